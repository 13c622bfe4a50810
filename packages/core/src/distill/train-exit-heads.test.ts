import type { DistillProgressPayload } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/forge-model.ts';
import { TEST_MODELS_DIR } from '../testing/test-models.ts';
import { trainExitHeads } from './train-exit-heads.ts';
import { DistillOptionsError } from './train-options.ts';

// Real training on forge models (real onnxruntime sessions, the bundled corpus): the trained heads
// must beat the identity heads on held-out text at every layer. Numbers are printed for the record.

const model = (name: string) => forgeModel(name, { cacheDir: TEST_MODELS_DIR });

function report(name: string, metrics: { layer: number; untrainedKd: number; trainedKd: number }[]) {
  for (const m of metrics) {
    console.log(
      `${name} layer ${m.layer}: held-out KD untrained ${m.untrainedKd.toExponential(4)} → trained ${m.trainedKd.toExponential(4)} (×${(m.untrainedKd / m.trainedKd).toFixed(2)} lower)`,
    );
  }
}

describe('trainExitHeads', () => {
  it('lowers the held-out KD loss at every layer of gpt2-mini (linear heads)', { timeout: 240_000 }, async () => {
    const progress: DistillProgressPayload[] = [];
    const r = await trainExitHeads(await model('gpt2-mini'), { layers: [3, 1, 2], kind: 'linear', epochs: 3, threads: 2 }, (p) => {
      progress.push(p);
    });
    report('gpt2-mini linear', r.meta.metrics);
    expect(r.meta.metrics.map((m) => m.layer)).toEqual([1, 2, 3]);
    for (const m of r.meta.metrics) {
      expect(m.untrainedKd).toBeGreaterThan(0);
      expect(m.trainedKd).toBeLessThan(m.untrainedKd);
    }
    // Deeper layers are closer to the final one before training (random-weight residual streams drift).
    expect(r.meta.metrics[0]?.untrainedKd).toBeGreaterThan(r.meta.metrics[2]?.untrainedKd as number);
    expect(r.meta.corpus.heldOutTokens).toBeGreaterThan(100);
    expect(r.meta.corpus.trainTokens).toBeGreaterThan(r.meta.corpus.heldOutTokens);
    const steps = progress.filter((p) => p.phase === 'train');
    expect(steps.map((p) => p.step)).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    expect(steps.at(-1)?.totalSteps).toBe(steps.length);
    expect(r.set.heads.map((h) => [h.layer, h.kind])).toEqual([
      [1, 'linear'],
      [2, 'linear'],
      [3, 'linear'],
    ]);
  });

  it('trains low-rank heads on gpt2-tiny deterministically for a seed', { timeout: 120_000 }, async () => {
    const dir = await model('gpt2-tiny');
    const opts = { layers: [1], kind: 'low-rank' as const, rank: 8, epochs: 2, seed: 5, threads: 1 };
    const a = await trainExitHeads(dir, opts);
    const b = await trainExitHeads(dir, opts);
    report('gpt2-tiny low-rank r8', a.meta.metrics);
    expect(a.meta.metrics[0]?.trainedKd).toBeLessThan(a.meta.metrics[0]?.untrainedKd as number);
    const [ha, hb] = [a.set.heads[0], b.set.heads[0]];
    if (ha?.kind !== 'low-rank' || hb?.kind !== 'low-rank') throw new Error('expected low-rank heads');
    expect(ha.rank).toBe(8);
    expect(Array.from(ha.up).some((x) => x !== 0)).toBe(true);
    expect(Buffer.from(ha.down.buffer).equals(Buffer.from(hb.down.buffer))).toBe(true);
    expect(Buffer.from(ha.up.buffer).equals(Buffer.from(hb.up.buffer))).toBe(true);
  });

  it('names the field of a bad option', async () => {
    const dir = await model('gpt2-tiny');
    await expect(trainExitHeads(dir, { layers: [2], kind: 'linear' })).rejects.toThrow(/layers: 2 is not a block index in 1\.\.1/);
    await expect(trainExitHeads(dir, { layers: [1], kind: 'linear', rank: 4 })).rejects.toThrow(DistillOptionsError);
    await expect(trainExitHeads(dir, { layers: [1], kind: 'low-rank', rank: 65 })).rejects.toThrow(/rank: 65 is not in 1\.\.64/);
    await expect(trainExitHeads(dir, { layers: [1], kind: 'linear', temperature: 0 })).rejects.toThrow(/temperature/);
  });
});
