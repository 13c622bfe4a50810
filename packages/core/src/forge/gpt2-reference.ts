import type { Gpt2Spec } from './forge-models.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from './gpt2-weights.ts';

// Test support only: a plain float64 forward of HF's GPT2LMHeadModel over one sequence, written
// from the architecture (modeling_gpt2.py), not from the ONNX graph builder, to check the graph
// against. No cache, no padding: token t sits at position t and attends to tokens 0..t. The
// constants are HF's own: layer_norm_epsilon 1e-5 (GPT2Config default), gelu_new's tanh form.

type Mat = { rows: number; cols: number; data: Float64Array }; // row-major

/** GPT2Config.layer_norm_epsilon's default. */
const HF_LAYER_NORM_EPSILON = 1e-5;

function weight(weights: Gpt2Weights, name: string): Float32Array {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
  return w.data;
}

/** x (rows, k) · w (k, n) + bias (n); Conv1D weights are (in, out), row-major. */
function linear(x: Mat, w: Float32Array, n: number, bias?: Float32Array): Mat {
  const out = new Float64Array(x.rows * n);
  for (let r = 0; r < x.rows; r++) {
    if (bias !== undefined) for (let c = 0; c < n; c++) out[r * n + c] = bias[c] as number;
    for (let k = 0; k < x.cols; k++) {
      const a = x.data[r * x.cols + k] as number;
      for (let c = 0; c < n; c++) out[r * n + c] = (out[r * n + c] as number) + a * (w[k * n + c] as number);
    }
  }
  return { rows: x.rows, cols: n, data: out };
}

/** (x − mean) / √(var + eps) · γ + β per row, population variance as torch.nn.LayerNorm. */
function layerNorm(x: Mat, gamma: Float32Array, beta: Float32Array): Mat {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const mean = row.reduce((a, b) => a + b, 0) / x.cols;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / x.cols;
    const inv = 1 / Math.sqrt(variance + HF_LAYER_NORM_EPSILON);
    for (let c = 0; c < x.cols; c++) out[r * x.cols + c] = ((row[c] as number) - mean) * inv * (gamma[c] as number) + (beta[c] as number);
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** HF's NewGELUActivation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Causal multi-head attention over the fused qkv (S, 3·d): [q | k | v], heads in hd-wide slices. */
function attention(qkv: Mat, nHead: number, d: number): Mat {
  const hd = d / nHead;
  const s = qkv.rows;
  const at = (t: number, part: number, h: number, c: number) => qkv.data[t * 3 * d + part * d + h * hd + c] as number;
  const out = new Float64Array(s * d);
  for (let h = 0; h < nHead; h++) {
    for (let i = 0; i < s; i++) {
      const scores = new Float64Array(i + 1);
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += at(i, 0, h, c) * at(j, 1, h, c);
        scores[j] = dot / Math.sqrt(hd); // GPT2Attention: scale_attn_weights, 1/√head_dim
      }
      const max = Math.max(...scores);
      const exps = scores.map((x) => Math.exp(x - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) {
        const p = (exps[j] as number) / total;
        for (let c = 0; c < hd; c++) out[i * d + h * hd + c] = (out[i * d + h * hd + c] as number) + p * at(j, 2, h, c);
      }
    }
  }
  return { rows: s, cols: d, data: out };
}

const add = (a: Mat, b: Mat): Mat => ({ ...a, data: a.data.map((x, i) => x + (b.data[i] as number)) });

/** Logits (S, V) for `ids`, in float64. */
export function gpt2ReferenceLogits(spec: Gpt2Spec, weights: Gpt2Weights, ids: readonly number[]): Mat {
  const { nEmbd: d, vocabSize: vocab } = spec;
  const wteT = weight(weights, W.wteT); // (d, vocab): the tied table, transposed
  const wpe = weight(weights, W.wpe); // (positions, d)
  let h: Mat = { rows: ids.length, cols: d, data: new Float64Array(ids.length * d) };
  for (const [t, id] of ids.entries()) {
    for (let c = 0; c < d; c++) h.data[t * d + c] = (wteT[c * vocab + id] as number) + (wpe[t * d + c] as number);
  }
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => weight(weights, W.layer(i, suffix));
    const a = layerNorm(h, p('ln_1.weight'), p('ln_1.bias'));
    const qkv = linear(a, p('attn.c_attn.weight'), 3 * d, p('attn.c_attn.bias'));
    h = add(h, linear(attention(qkv, spec.nHead, d), p('attn.c_proj.weight'), d, p('attn.c_proj.bias')));
    const m = layerNorm(h, p('ln_2.weight'), p('ln_2.bias'));
    const fc = linear(m, p('mlp.c_fc.weight'), 4 * d, p('mlp.c_fc.bias'));
    h = add(h, linear({ ...fc, data: fc.data.map(geluNew) }, p('mlp.c_proj.weight'), d, p('mlp.c_proj.bias')));
  }
  return linear(layerNorm(h, weight(weights, W.lnFWeight), weight(weights, W.lnFBias)), wteT, vocab);
}
