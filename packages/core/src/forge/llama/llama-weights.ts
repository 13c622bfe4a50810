import { Xoshiro128 } from '../prng.ts';
import type { LlamaSpec } from './llama-spec.ts';

// Llama parameters with Hugging Face's initialization (LlamaPreTrainedModel._init_weights):
// Linear and Embedding N(0, 0.02²), RMSNorm weights 1, no biases. Projections are stored in the
// MatMul layout (in, out), the transpose of HF's nn.Linear (out, in); see import/llama-hf-layout.ts.
// Tied embeddings are stored once, transposed: embed_tokens_t (hidden, vocab), read by the input
// Gather (axis 1) and the LM-head MatMul, the layout the int8/q4 rewriters serve from one table.

const INIT_STD = 0.02;

export type LlamaWeights = Map<string, { dims: number[]; data: Float32Array }>;

export const llamaWeightNames = {
  /** Tied: (hidden, vocab). */
  embedT: 'embed_tokens_t',
  /** Untied: (vocab, hidden), HF's layout. */
  embed: 'embed_tokens',
  /** Untied: (hidden, vocab). */
  lmHeadT: 'lm_head_t',
  norm: 'norm.weight',
  layer: (i: number, name: string) => `layers.${i}.${name}`,
};

/** Per-layer forge suffixes with their (forge-layout) shapes; `_t` marks an (in, out) projection. */
export function llamaLayerShapes(spec: LlamaSpec): Array<[suffix: string, dims: number[], kind: 'linear' | 'norm']> {
  const { hidden: d, intermediate: f } = spec;
  const q = spec.nHead * spec.headDim;
  const kv = spec.nKvHead * spec.headDim;
  return [
    ['input_layernorm.weight', [d], 'norm'],
    ['self_attn.q_proj.weight_t', [d, q], 'linear'],
    ['self_attn.k_proj.weight_t', [d, kv], 'linear'],
    ['self_attn.v_proj.weight_t', [d, kv], 'linear'],
    ['self_attn.o_proj.weight_t', [q, d], 'linear'],
    ['post_attention_layernorm.weight', [d], 'norm'],
    ['mlp.gate_proj.weight_t', [d, f], 'linear'],
    ['mlp.up_proj.weight_t', [d, f], 'linear'],
    ['mlp.down_proj.weight_t', [f, d], 'linear'],
  ];
}

/** Every parameter, each drawn from its own (seed, name) stream. */
export function llamaWeights(spec: LlamaSpec): LlamaWeights {
  const { hidden: d, vocabSize: v } = spec;
  const params: Array<[string, number[], 'linear' | 'norm']> = spec.tieWordEmbeddings
    ? [[llamaWeightNames.embedT, [d, v], 'linear']]
    : [
        [llamaWeightNames.embed, [v, d], 'linear'],
        [llamaWeightNames.lmHeadT, [d, v], 'linear'],
      ];
  for (let i = 0; i < spec.nLayer; i++) {
    for (const [suffix, dims, kind] of llamaLayerShapes(spec)) params.push([llamaWeightNames.layer(i, suffix), dims, kind]);
  }
  params.push([llamaWeightNames.norm, [d], 'norm']);

  const weights: LlamaWeights = new Map();
  for (const [name, dims, kind] of params) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (kind === 'linear') Xoshiro128.forTensor(spec.seed, name).fillNormal(data, INIT_STD);
    else data.fill(1);
    weights.set(name, { dims, data });
  }
  return weights;
}

/** Number of parameters as HF's num_parameters() reports (a tied embedding counted once). */
export function llamaParamCount(spec: LlamaSpec): number {
  const { hidden: d, intermediate: f } = spec;
  const q = spec.nHead * spec.headDim;
  const kv = spec.nKvHead * spec.headDim;
  const perLayer = 2 * d + d * q + 2 * d * kv + q * d + 3 * d * f;
  return (spec.tieWordEmbeddings ? 1 : 2) * spec.vocabSize * d + spec.nLayer * perLayer + d;
}
