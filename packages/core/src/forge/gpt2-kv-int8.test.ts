import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createModel, DataType, encodeModel, GraphBuilder } from '../onnx/index.ts';
import { pastKeyName, pastKeyScaleName, presentKeyName, presentKeyScaleName } from '../runtime/io-names.ts';
import { kvInt8Store } from './gpt2-kv-int8.ts';
import { quantizeKvRows } from './kv-int8-reference.ts';

// The quantizer of the int8 KV cache as a graph on its own: past codes/scales (1, 1, P, 8) and new
// rows (1, 1, S, 8) in, present codes/scales and the dequantized present out.
const HD = 8;

async function storeSession(): Promise<ort.InferenceSession> {
  const g = new GraphBuilder('kv-int8-store');
  g.input(pastKeyName(0), DataType.INT8, [1, 1, 'past', HD]);
  g.input(pastKeyScaleName(0), DataType.FLOAT, [1, 1, 'past', 1]);
  g.input('fresh', DataType.FLOAT, [1, 1, 'seq', HD]);
  g.node('Identity', [kvInt8Store(0)(g, 'key', 'fresh')], ['dequant']);
  g.output(presentKeyName(0), DataType.INT8, [1, 1, 'total', HD]);
  g.output(presentKeyScaleName(0), DataType.FLOAT, [1, 1, 'total', 1]);
  g.output('dequant', DataType.FLOAT, [1, 1, 'total', HD]);
  return ort.InferenceSession.create(encodeModel(createModel(g.build())));
}

async function store(session: ort.InferenceSession, past: { codes: Int8Array; scales: Float32Array }, fresh: Float32Array) {
  const p = past.scales.length;
  const out = await session.run({
    [pastKeyName(0)]: new ort.Tensor('int8', past.codes, [1, 1, p, HD]),
    [pastKeyScaleName(0)]: new ort.Tensor('float32', past.scales, [1, 1, p, 1]),
    fresh: new ort.Tensor('float32', fresh, [1, 1, fresh.length / HD, HD]),
  });
  return {
    codes: out[presentKeyName(0)]?.data as Int8Array,
    scales: out[presentKeyScaleName(0)]?.data as Float32Array,
    dequant: out.dequant?.data as Float32Array,
  };
}

describe('int8 KV-cache quantizer (graph)', () => {
  it('quantizes hand-checked rows: ties to even, zero rows without NaN, extremes at ±127', async () => {
    const session = await storeSession();
    const fresh = Float32Array.from([
      ...[127, 0.5, 1.5, -2.5, 63.5, -127, 3, 0], // scale 1: codes are the values rounded half to even
      ...[0, 0, 0, 0, 0, 0, 0, 0], // all zero: scale 0, codes 0, dequantized 0
      ...[-2, 1, 0, 0, 0, 0, 0, 0.5], // max |x| is negative: −2 → −127
    ]);
    const empty = { codes: new Int8Array(0), scales: new Float32Array(0) };
    const r = await store(session, empty, fresh);
    expect([...r.codes.slice(0, 8)]).toEqual([127, 0, 2, -2, 64, -127, 3, 0]);
    expect([...r.codes.slice(8, 16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...r.codes.slice(16)]).toEqual([-127, 64, 0, 0, 0, 0, 0, 32]); // 63.5 → 64, 31.75 → 32
    expect([...r.scales]).toEqual([1, 0, Math.fround(2 / 127)]);
    expect(r.dequant.every(Number.isFinite)).toBe(true);
    expect([...r.dequant.slice(8, 16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    await session.release();
  });

  it('matches the JS reference exactly on random rows, appended after the past unchanged', async () => {
    const session = await storeSession();
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 6;
    };
    const past = quantizeKvRows(Float32Array.from({ length: 3 * HD }, rand), HD);
    const fresh = Float32Array.from({ length: 5 * HD }, rand);
    const r = await store(session, past, fresh);
    const ref = quantizeKvRows(fresh, HD);
    expect([...r.codes]).toEqual([...past.codes, ...ref.codes]);
    expect([...r.scales]).toEqual([...past.scales, ...ref.scales]);
    // Dequantized = code × scale, and within scale/2 of the input (the bound of rounding).
    for (let i = 0; i < fresh.length; i++) {
      const row = 3 + Math.floor(i / HD);
      const scale = r.scales[row] as number;
      expect(r.dequant[3 * HD + i]).toBe(Math.fround((r.codes[3 * HD + i] as number) * scale));
      expect(Math.abs((r.dequant[3 * HD + i] as number) - (fresh[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-6);
    }
    await session.release();
  });
});
