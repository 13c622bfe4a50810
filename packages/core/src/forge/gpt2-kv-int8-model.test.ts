import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvCache } from '../kv-cache/kv-cache.ts';
import { readDecoderConfig } from '../runtime/decoder-config.ts';
import { DecoderSession } from '../runtime/decoder-session.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { forgeModel } from './forge-model.ts';
import { ensureKvInt8File } from './kv-int8-files.ts';
import { quantizeKvRows } from './kv-int8-reference.ts';
import { argmax, maxAbsDiff, TEST_CACHE_DIR } from './test-helpers.ts';

// forge:gpt2-tiny with an int8 KV cache against the same weights with the float32 cache.
// "The quick brown fox jumps over the lazy dog. It was" in GPT-2 ids.
const TEXT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373];

let fp32: DecoderSession;
let int8: DecoderSession;
beforeAll(async () => {
  const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  const config = await readDecoderConfig(dir);
  const options = { threads: 1, executionProvider: 'cpu' as const };
  fp32 = await DecoderSession.load(join(dir, MODEL_FILE), config, options);
  int8 = await DecoderSession.load(await ensureKvInt8File(dir, 'fp32'), config, options);
}, 120_000);
afterAll(async () => {
  await fp32?.release();
  await int8?.release();
});

/** Forward of ids[from, to) on top of `past`. */
const forward = (s: DecoderSession, from: number, to: number, past: KvCache) =>
  s.forward({
    batch: 1,
    seq: to - from,
    inputIds: BigInt64Array.from(TEXT.slice(from, to), BigInt),
    attentionMask: new BigInt64Array(to).fill(1n),
    positionIds: BigInt64Array.from({ length: to - from }, (_, i) => BigInt(from + i)),
    past,
  });

/** Steps of a 5-token prefill, a 3-token chunk with past, then single tokens; logits (T, V). */
async function stepped(s: DecoderSession): Promise<{ logits: Float32Array; cache: KvCache }> {
  const V = s.config.vocabSize;
  const logits = new Float32Array(TEXT.length * V);
  let past = s.emptyCache(1);
  const bounds = [0, 5, 8, ...Array.from({ length: TEXT.length - 8 }, (_, i) => 9 + i)];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [from, to] = [bounds[i] as number, bounds[i + 1] as number];
    const out = await forward(s, from, to, past);
    logits.set(out.logits, from * V);
    past = out.present;
  }
  return { logits, cache: past };
}

describe('forge gpt2 graph with the int8 KV cache', () => {
  it('detects the int8 cache from the graph inputs and holds int8 codes plus float32 scales', async () => {
    expect(fp32.kvCacheDtype).toBe('fp32');
    expect(int8.kvCacheDtype).toBe('int8');
    const { cache } = await stepped(int8);
    const c = int8.config;
    expect(cache.keys[0]?.type).toBe('int8');
    expect(cache.keys[0]?.dims).toEqual([1, c.kvHeads, TEXT.length, c.headDim]);
    expect(cache.scales?.values[1]?.dims).toEqual([1, c.kvHeads, TEXT.length, 1]);
    expect(cache.bytes).toBe(c.layers * 2 * c.kvHeads * TEXT.length * (c.headDim + 4));
    await expect(forward(int8, 0, 1, fp32.emptyCache(1))).rejects.toThrow(/keeps its KV cache as int8, got a fp32 cache/);
  });

  it('stores exactly the JS reference quantization of the float32 graph’s keys and values', async () => {
    const ref = (await stepped(fp32)).cache;
    const got = (await stepped(int8)).cache;
    const hd = int8.config.headDim;
    let mismatches = 0;
    let total = 0;
    const pairs: Array<[ort.Tensor, ort.Tensor, ort.Tensor]> = [];
    for (let i = 0; i < int8.config.layers; i++) {
      pairs.push([ref.keys[i] as ort.Tensor, got.keys[i] as ort.Tensor, got.scales?.keys[i] as ort.Tensor]);
      pairs.push([ref.values[i] as ort.Tensor, got.values[i] as ort.Tensor, got.scales?.values[i] as ort.Tensor]);
    }
    // Layer 0's keys/values come from identical float32 ops in both graphs: codes must match exactly.
    // Later layers read int8-KV attention, so their inputs differ; only layer 0 is compared.
    for (const [x, codes, scales] of pairs.slice(0, 2)) {
      const q = quantizeKvRows(x.data as Float32Array, hd);
      expect([...(scales.data as Float32Array)]).toEqual([...q.scales]);
      const c = codes.data as Int8Array;
      for (let j = 0; j < c.length; j++) if (c[j] !== q.codes[j]) mismatches++;
      total += c.length;
    }
    expect(total).toBe(2 * TEXT.length * int8.config.kvHeads * hd);
    expect(mismatches).toBe(0);
  });

  it('gives logits close to the float32 cache, the same greedy tokens, and one forward equals the steps', async () => {
    const V = int8.config.vocabSize;
    const ref = (await stepped(fp32)).logits;
    const got = (await stepped(int8)).logits;
    const oneShot = (await forward(int8, 0, TEXT.length, int8.emptyCache(1))).logits;
    const diff = maxAbsDiff(ref, got);
    let spread = 0;
    for (const v of ref) spread = Math.max(spread, Math.abs(v));
    console.log(`gpt2-tiny int8 vs fp32 KV: max |Δlogit| ${diff.toExponential(2)} of max |logit| ${spread.toFixed(2)}`);
    // Each stored value is off by ≤ scale/2 = max|row|/254 (≤ 0.4% of its row's max). gpt2-tiny's
    // logits are ≤ ~1 and measured Δ is ~1.5e-3 (0.4% of 1 with a little growth over two layers),
    // so 1e-2 leaves ~6× room; a broken dequantization (scale missing or wrong, codes not rounded)
    // moves logits by O(their size) and fails. Top-1 must not move at any position.
    expect(diff).toBeLessThan(1e-2);
    expect(diff).toBeGreaterThan(0); // the cache really is quantized
    for (let t = 0; t < TEXT.length; t++) expect(argmax(got, t * V, (t + 1) * V), `position ${t}`).toBe(argmax(ref, t * V, (t + 1) * V));
    // Each token's codes depend on that token only, so chunking does not change the numbers.
    expect(maxAbsDiff(oneShot, got)).toBeLessThan(1e-4);
  });
});
