import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../forge/test-helpers.ts';
import type { KvCache } from '../kv-cache/kv-cache.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { testModels } from '../testing/test-models.ts';
import { Gpt2Segments, type LayerTensors } from './gpt2-segments.ts';

// Segments run end to end must compute what the monolithic graph computes: same ops, same weights.
// Tolerance 0 is asserted where the ops are the same kernels; see the note on the bound below.

const ones = (n: number) => new BigInt64Array(n).fill(1n);

describe('gpt2 layer segments (gpt2-mini, cuts after blocks 1 and 3)', () => {
  const models = testModels();
  let m: LoadedModel;
  let seg: Gpt2Segments;
  beforeAll(async () => {
    m = await models.load('gpt2-mini');
    seg = await Gpt2Segments.load(m.model.folder, m.session.config, m.session.options, { boundaries: [1, 3], kvFill: [1] });
  });
  afterAll(async () => {
    await seg.release();
    await models.pool.clear();
  });

  async function monolithic(ids: number[], past: KvCache) {
    const p = past.seqLength;
    return m.session.forward({
      batch: 1,
      seq: ids.length,
      inputIds: BigInt64Array.from(ids, BigInt),
      attentionMask: ones(p + ids.length),
      positionIds: BigInt64Array.from(ids, (_, j) => BigInt(p + j)),
      past,
    });
  }

  async function segmented(ids: number[], past: LayerTensors, from: number) {
    let h = await seg.embed(ids, from);
    for (let i = 0; i + 1 < seg.cuts.length; i++) h = await seg.blocks(seg.cuts[i] as number, seg.cuts[i + 1] as number, h, past);
    return seg.head(h);
  }

  it('gives the monolithic logits and present KV, without and with cache (max |Δ| = 0)', async () => {
    const prompt = [464, 2068, 7586, 21831, 18045, 625, 262];
    const empty = m.session.emptyCache(1);
    const full = await monolithic(prompt, empty);
    const past: LayerTensors = { keys: [...empty.keys], values: [...empty.values] };
    const logits = await segmented(prompt, past, 0);
    expect(logits.length).toBe(prompt.length * m.session.config.vocabSize);
    const diffs = [maxAbsDiff(logits, full.logits)];
    for (let i = 0; i < m.session.config.layers; i++) {
      diffs.push(maxAbsDiff(past.keys[i]?.data as Float32Array, full.present.keys[i]?.data as Float32Array));
      diffs.push(maxAbsDiff(past.values[i]?.data as Float32Array, full.present.values[i]?.data as Float32Array));
    }
    // Then with cache: one token, then three, on top of each side's own past.
    let mono = full.present;
    let pos = prompt.length;
    for (const next of [[318], [257, 1332, 13]]) {
      const a = await monolithic(next, mono);
      const b = await segmented(next, past, pos);
      diffs.push(maxAbsDiff(b, a.logits));
      for (let i = 0; i < m.session.config.layers; i++) {
        diffs.push(maxAbsDiff(past.keys[i]?.data as Float32Array, a.present.keys[i]?.data as Float32Array));
        diffs.push(maxAbsDiff(past.values[i]?.data as Float32Array, a.present.values[i]?.data as Float32Array));
      }
      mono = a.present;
      pos += next.length;
    }
    expect(Math.max(...diffs)).toBe(0);
  });

  it('refuses a boundary outside 1..nLayer-1, naming the range', async () => {
    await expect(Gpt2Segments.load(m.model.folder, m.session.config, m.session.options, { boundaries: [4], kvFill: [] })).rejects.toThrow(
      /boundary 4: must be an integer in 1\.\.3/,
    );
  });
});
