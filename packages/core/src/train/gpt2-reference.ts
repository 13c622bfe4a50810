import type { Gpt2Spec } from '../forge/forge-models.ts';
import { gpt2WeightNames as W } from '../forge/gpt2-weights.ts';
import type { TrainWeights } from './checkpoint.ts';

// Test support only: GPT2LMHeadModel's forward over one sequence in plain float64 loops, written
// from the architecture (HF modeling_gpt2), not from the tape or the inference graph — the
// independent reference the whole-model gradient is checked against.

type Mat = { rows: number; cols: number; data: Float64Array }; // row-major

function weight(weights: TrainWeights, name: string): Float32Array {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
  return w.data;
}

/** x (rows, k) · w (k, n) + b (n). */
function affine(x: Mat, w: Float32Array, b: Float32Array | undefined, n: number): Mat {
  const out = new Float64Array(x.rows * n);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < n; c++) out[r * n + c] = b === undefined ? 0 : (b[c] as number);
    for (let k = 0; k < x.cols; k++) {
      const a = x.data[r * x.cols + k] as number;
      for (let c = 0; c < n; c++) out[r * n + c] = (out[r * n + c] as number) + a * (w[k * n + c] as number);
    }
  }
  return { rows: x.rows, cols: n, data: out };
}

function layerNorm(x: Mat, g: Float32Array, b: Float32Array): Mat {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const mu = row.reduce((s, v) => s + v, 0) / x.cols;
    const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / x.cols;
    for (let c = 0; c < x.cols; c++)
      out[r * x.cols + c] = (((row[c] as number) - mu) / Math.sqrt(variance + 1e-5)) * (g[c] as number) + (b[c] as number);
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Causal multi-head attention over qkv (S, 3D) → (S, D). */
function attention(qkv: Mat, d: number, heads: number): Mat {
  const hd = d / heads;
  const s = qkv.rows;
  const out = new Float64Array(s * d);
  const at = (t: number, part: number, h: number, c: number) => qkv.data[t * 3 * d + part * d + h * hd + c] as number;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < s; i++) {
      const scores = Array.from({ length: i + 1 }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += at(i, 0, h, c) * at(j, 1, h, c);
        return dot / Math.sqrt(hd);
      });
      const max = Math.max(...scores);
      const exps = scores.map((x) => Math.exp(x - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++)
        for (let c = 0; c < hd; c++)
          out[i * d + h * hd + c] = (out[i * d + h * hd + c] as number) + ((exps[j] as number) / total) * at(j, 2, h, c);
    }
  }
  return { rows: s, cols: d, data: out };
}

const add = (a: Mat, b: Mat): Mat => ({ ...a, data: a.data.map((x, i) => x + (b.data[i] as number)) });

/** Logits (S, V) for `ids` at positions 0..S−1, float64. */
export function gpt2ReferenceLogits(spec: Gpt2Spec, weights: TrainWeights, ids: readonly number[]): Mat {
  const { nEmbd: d, vocabSize: v } = spec;
  const wteT = weight(weights, W.wteT); // (D, V)
  const wpe = weight(weights, W.wpe); // (P, D)
  let h: Mat = { rows: ids.length, cols: d, data: new Float64Array(ids.length * d) };
  ids.forEach((id, t) => {
    for (let c = 0; c < d; c++) h.data[t * d + c] = (wteT[c * v + id] as number) + (wpe[t * d + c] as number);
  });
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => weight(weights, W.layer(i, suffix));
    const qkv = affine(layerNorm(h, p('ln_1.weight'), p('ln_1.bias')), p('attn.c_attn.weight'), p('attn.c_attn.bias'), 3 * d);
    h = add(h, affine(attention(qkv, d, spec.nHead), p('attn.c_proj.weight'), p('attn.c_proj.bias'), d));
    const fc = affine(layerNorm(h, p('ln_2.weight'), p('ln_2.bias')), p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), 4 * d);
    h = add(h, affine({ ...fc, data: fc.data.map(gelu) }, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), d));
  }
  return affine(layerNorm(h, weight(weights, W.lnFWeight), weight(weights, W.lnFBias)), wteT, undefined, v);
}

/** Mean next-token cross-entropy of logits (S, V) against `targets`, float64. */
export function referenceCrossEntropy(logits: { rows: number; cols: number; data: Float64Array }, targets: readonly number[]): number {
  let sum = 0;
  for (let r = 0; r < logits.rows; r++) {
    const row = logits.data.subarray(r * logits.cols, (r + 1) * logits.cols);
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += logZ - (row[targets[r] as number] as number);
  }
  return sum / logits.rows;
}
