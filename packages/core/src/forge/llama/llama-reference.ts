import type { LlamaSpec } from './llama-spec.ts';
import { type LlamaWeights, llamaWeightNames as W } from './llama-weights.ts';

// Test support only: a plain float64 forward of HF's LlamaForCausalLM over one sequence, written
// from the architecture (not from the ONNX graph) to check the graph against. No cache, no padding:
// token t sits at position t and attends to tokens 0..t. RoPE angles are computed here in float64
// from rope_theta, not read from the graph's float32 tables.

type Mat = { rows: number; cols: number; data: Float64Array }; // row-major

function weight(weights: LlamaWeights, name: string): Float32Array {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing Llama weight '${name}'`);
  return w.data;
}

/** x (rows, k) · w (k, n), w row-major (in, out). */
function matmul(x: Mat, w: Float32Array, n: number): Mat {
  const out = new Float64Array(x.rows * n);
  for (let r = 0; r < x.rows; r++) {
    for (let k = 0; k < x.cols; k++) {
      const a = x.data[r * x.cols + k] as number;
      for (let c = 0; c < n; c++) out[r * n + c] = (out[r * n + c] as number) + a * (w[k * n + c] as number);
    }
  }
  return { rows: x.rows, cols: n, data: out };
}

function rmsNorm(x: Mat, w: Float32Array, eps: number): Mat {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    let sum = 0;
    for (let c = 0; c < x.cols; c++) sum += (x.data[r * x.cols + c] as number) ** 2;
    const inv = 1 / Math.sqrt(sum / x.cols + eps);
    for (let c = 0; c < x.cols; c++) out[r * x.cols + c] = (x.data[r * x.cols + c] as number) * inv * (w[c] as number);
  }
  return { rows: x.rows, cols: x.cols, data: out };
}

/** In place on (S, heads·hd): rotates each head's halves by position · θ^(−2j/hd). */
function rope(x: Mat, heads: number, hd: number, theta: number): void {
  const half = hd / 2;
  for (let t = 0; t < x.rows; t++) {
    for (let h = 0; h < heads; h++) {
      const base = t * x.cols + h * hd;
      for (let j = 0; j < half; j++) {
        const angle = t / theta ** ((2 * j) / hd);
        const [a, b] = [x.data[base + j] as number, x.data[base + j + half] as number];
        x.data[base + j] = a * Math.cos(angle) - b * Math.sin(angle);
        x.data[base + j + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }
}

/** Causal GQA attention: query head h reads K/V head floor(h / (H/KV)). Returns (S, H·hd). */
function attention(q: Mat, k: Mat, v: Mat, spec: LlamaSpec): Mat {
  const { nHead, nKvHead, headDim: hd } = spec;
  const s = q.rows;
  const out = new Float64Array(s * nHead * hd);
  for (let h = 0; h < nHead; h++) {
    const kvh = Math.floor(h / (nHead / nKvHead));
    for (let i = 0; i < s; i++) {
      const scores = new Float64Array(i + 1);
      for (let j = 0; j <= i; j++) {
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += (q.data[i * q.cols + h * hd + c] as number) * (k.data[j * k.cols + kvh * hd + c] as number);
        scores[j] = dot / Math.sqrt(hd);
      }
      const max = Math.max(...scores);
      const exps = scores.map((x) => Math.exp(x - max));
      const total = exps.reduce((a, b) => a + b, 0);
      for (let j = 0; j <= i; j++) {
        const p = (exps[j] as number) / total;
        for (let c = 0; c < hd; c++) {
          const at = i * nHead * hd + h * hd + c;
          out[at] = (out[at] as number) + p * (v.data[j * v.cols + kvh * hd + c] as number);
        }
      }
    }
  }
  return { rows: s, cols: nHead * hd, data: out };
}

const add = (a: Mat, b: Mat): Mat => ({ ...a, data: a.data.map((x, i) => x + (b.data[i] as number)) });

/** Logits (S, V) for `ids`, in float64. */
export function llamaReferenceLogits(spec: LlamaSpec, weights: LlamaWeights, ids: number[]): Mat {
  const { hidden: d, vocabSize: vocab, headDim: hd } = spec;
  let h: Mat = { rows: ids.length, cols: d, data: new Float64Array(ids.length * d) };
  for (const [t, id] of ids.entries()) {
    for (let c = 0; c < d; c++) {
      h.data[t * d + c] = spec.tieWordEmbeddings
        ? (weight(weights, W.embedT)[c * vocab + id] as number)
        : (weight(weights, W.embed)[id * d + c] as number);
    }
  }
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => weight(weights, W.layer(i, suffix));
    const x = rmsNorm(h, p('input_layernorm.weight'), spec.rmsNormEps);
    const q = matmul(x, p('self_attn.q_proj.weight_t'), spec.nHead * hd);
    const k = matmul(x, p('self_attn.k_proj.weight_t'), spec.nKvHead * hd);
    const v = matmul(x, p('self_attn.v_proj.weight_t'), spec.nKvHead * hd);
    rope(q, spec.nHead, hd, spec.ropeTheta);
    rope(k, spec.nKvHead, hd, spec.ropeTheta);
    h = add(h, matmul(attention(q, k, v, spec), p('self_attn.o_proj.weight_t'), d));
    const x2 = rmsNorm(h, p('post_attention_layernorm.weight'), spec.rmsNormEps);
    const gate = matmul(x2, p('mlp.gate_proj.weight_t'), spec.intermediate);
    const up = matmul(x2, p('mlp.up_proj.weight_t'), spec.intermediate);
    const act: Mat = { ...gate, data: gate.data.map((z, j) => (z / (1 + Math.exp(-z))) * (up.data[j] as number)) };
    h = add(h, matmul(act, p('mlp.down_proj.weight_t'), d));
  }
  const head = spec.tieWordEmbeddings ? W.embedT : W.lmHeadT;
  return matmul(rmsNorm(h, weight(weights, W.norm), spec.rmsNormEps), weight(weights, head), vocab);
}
