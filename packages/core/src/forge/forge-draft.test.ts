import { describe, expect, it } from 'vitest';
import { FORGE_MODELS } from './forge-models.ts';
import { gpt2Config } from './gpt2-config-files.ts';
import { gpt2Weights } from './gpt2-weights.ts';

describe('forge draft models', () => {
  it("a draft's weights are its target's embeddings, ln_f and first layers, bit for bit", () => {
    const target = gpt2Weights(FORGE_MODELS['gpt2-tiny']);
    const draft = gpt2Weights(FORGE_MODELS['gpt2-tiny-draft1']);
    expect([...draft.keys()].some((k) => k.startsWith('h.1.'))).toBe(false);
    expect(draft.size).toBe(target.size - 12); // one layer of 12 tensors fewer
    for (const [name, w] of draft) {
      expect(w.dims).toEqual(target.get(name)!.dims);
      expect(Buffer.from(w.data.buffer).equals(Buffer.from(target.get(name)!.data.buffer))).toBe(true);
    }
  });

  it('every draft shares its target vocabulary and positions, and says what it derives from', () => {
    for (const [name, spec] of Object.entries(FORGE_MODELS)) {
      const from = 'derivedFrom' in spec ? spec.derivedFrom : undefined;
      if (from === undefined || spec.family !== 'gpt2') continue;
      const target = FORGE_MODELS[from.model as keyof typeof FORGE_MODELS];
      if (target.family !== 'gpt2') throw new Error(`${name}: drafts derive from gpt2 targets only`);
      expect(spec.nLayer).toBeLessThan(target.nLayer);
      expect(from.nLayer).toBe(target.nLayer);
      expect([spec.vocabSize, spec.nPositions, spec.nEmbd, spec.seed]).toEqual([
        target.vocabSize,
        target.nPositions,
        target.nEmbd,
        target.seed,
      ]);
      expect((gpt2Config(name, spec).inferlab as Record<string, unknown>).derivedFrom).toEqual(from);
    }
  });
});
