import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FORGE_MODELS } from '../forge/forge-models.ts';
import { buildGpt2Model } from '../forge/gpt2-graph.ts';
import { gpt2Weights } from '../forge/gpt2-weights.ts';
import { encodeModel, type ModelProto } from '../onnx/index.ts';
import { rewriteDynamicInt8 } from '../quantization/rewrite-dynamic-int8.ts';
import { rewriteMatMulNBits } from '../quantization/rewrite-matmul-nbits.ts';
import { ATTENTION_MASK, INPUT_IDS, LOGITS, NUM_LOGITS_TO_KEEP, POSITION_IDS, pastKeyName, pastValueName } from './io-names.ts';
import { keepsLogits, LogitsToKeepRewriteError, rewriteLogitsToKeep } from './logits-to-keep.ts';

const spec = FORGE_MODELS['gpt2-tiny'];
const fp32 = buildGpt2Model(spec, gpt2Weights(spec));
const IDS = [464, 2068, 7586, 21831, 18045, 625, 262]; // 7 prompt tokens
const V = spec.vocabSize;

async function logits(model: ModelProto, keep: number | null): Promise<{ data: Float32Array; dims: number[] }> {
  const s = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
  const S = IDS.length;
  const hd = spec.nEmbd / spec.nHead;
  const feeds: Record<string, ort.Tensor> = {
    [INPUT_IDS]: new ort.Tensor('int64', BigInt64Array.from(IDS, BigInt), [1, S]),
    [ATTENTION_MASK]: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    [POSITION_IDS]: new ort.Tensor(
      'int64',
      BigInt64Array.from(IDS, (_, i) => BigInt(i)),
      [1, S],
    ),
  };
  for (let i = 0; i < spec.nLayer; i++) {
    feeds[pastKeyName(i)] = new ort.Tensor('float32', new Float32Array(0), [1, spec.nHead, 0, hd]);
    feeds[pastValueName(i)] = new ort.Tensor('float32', new Float32Array(0), [1, spec.nHead, 0, hd]);
  }
  if (keep !== null) feeds[NUM_LOGITS_TO_KEEP] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []);
  const out = (await s.run(feeds))[LOGITS] as ort.Tensor;
  await s.release();
  return { data: out.data as Float32Array, dims: out.dims.map(Number) };
}

/** Largest |a − b| (Infinity on a length mismatch): no element-wise diff of 350k floats in a failure message. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const argmaxOf = (x: Float32Array) => x.reduce((best, v, i) => (v > (x[best] as number) ? i : best), 0);

describe('rewriteLogitsToKeep', () => {
  // fp32: the kept row is the full row bit for bit. q4: MatMulNBits takes another kernel path for
  // one row than for seven (last-ulp differences); the greedy pick is the same.
  it.each([
    ['fp32 (MatMul head)', fp32, 0],
    ['q4 (MatMulNBits head)', rewriteMatMulNBits(fp32).model, 1e-5],
  ])('%s: the kept rows are the last rows of the full logits', async (_, model, tolerance) => {
    const rewritten = rewriteLogitsToKeep(model);
    expect(keepsLogits(rewritten)).toBe(true);
    const before = await logits(model, null);
    expect(before.dims).toEqual([1, IDS.length, V]);
    const all = await logits(rewritten, 0);
    expect(all.dims).toEqual([1, IDS.length, V]);
    expect(maxAbsDiff(all.data, before.data)).toBe(0);
    for (const k of [1, 3]) {
      const kept = await logits(rewritten, k);
      expect(kept.dims).toEqual([1, k, V]);
      const tail = before.data.subarray((IDS.length - k) * V);
      expect(maxAbsDiff(kept.data, tail)).toBeLessThanOrEqual(tolerance);
      expect(argmaxOf(kept.data.subarray((k - 1) * V))).toBe(argmaxOf(tail.subarray((k - 1) * V)));
    }
    expect((await logits(rewritten, 100)).dims).toEqual([1, IDS.length, V]); // k > S keeps all
  });

  it('refuses a dynamically quantized head: its activation scale spans every row (all rows stay computed)', () => {
    expect(() => rewriteLogitsToKeep(rewriteDynamicInt8(fp32).model)).toThrow(/quantizes its input per call/);
  });

  it('leaves a graph that already takes the input alone, and refuses one without an LM head', () => {
    const once = rewriteLogitsToKeep(fp32);
    expect(rewriteLogitsToKeep(once)).toBe(once);
    const headless: ModelProto = { ...fp32, graph: { ...fp32.graph, nodes: fp32.graph.nodes.filter((n) => !n.outputs.includes(LOGITS)) } };
    expect(() => rewriteLogitsToKeep(headless)).toThrow(LogitsToKeepRewriteError);
  });
});
