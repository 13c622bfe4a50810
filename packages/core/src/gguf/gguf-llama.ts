import { transpose2d } from '../forge/import/gpt2-hf-layout.ts';
import { llamaSpecFromConfig } from '../forge/import/llama-config-fields.ts';
import { type GgmlType, type GgufMetadata, gv } from './gguf-format.ts';
import type { ArchContent } from './gguf-gpt2.ts';
import { type FloatWeights, hasAny, matrixTensor, vectorTensor, weightReader } from './gguf-tensor-plan.ts';
import type { GgufTensor } from './gguf-write.ts';

// A Llama folder's weights as llama.cpp's `llama` architecture names them. Our graphs store each
// projection as (in, out) under `<name>_t`; HF (and exports that keep its names) store (out, in).
// llama.cpp wants (out, in). Its RoPE rotates adjacent pairs (x[2j], x[2j+1]) where HF rotates
// halves (x[j], x[j + hd/2]), so, as convert_hf_to_gguf.py does, the rows of W_q and W_k are
// permuted within each head: GGUF row 2j+k ← HF row k·hd/2 + j — the same dot products, in the
// pair order llama.cpp's rotation expects.

/** Rows of (heads·hd, cols) reordered per head from rotate-half to interleaved pairs. */
export function permuteRopeRows(w: Float32Array, heads: number, hd: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = hd / 2;
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let k = 0; k < 2; k++) {
        const from = (h * hd + k * half + j) * cols;
        out.set(w.subarray(from, from + cols), (h * hd + 2 * j + k) * cols);
      }
    }
  }
  return out;
}

export function llamaContent(
  config: Record<string, unknown>,
  weights: FloatWeights,
  metadata: GgufMetadata,
  target: GgmlType,
): ArchContent {
  const spec = llamaSpecFromConfig(config);
  const { hidden: d, intermediate: f, nLayer, headDim: hd, vocabSize: v } = spec;
  const q = spec.nHead * hd;
  const kv = spec.nKvHead * hd;
  metadata.set('llama.vocab_size', gv.u32(v));
  metadata.set('llama.context_length', gv.u32(spec.maxPositions));
  metadata.set('llama.embedding_length', gv.u32(d));
  metadata.set('llama.feed_forward_length', gv.u32(f));
  metadata.set('llama.block_count', gv.u32(nLayer));
  metadata.set('llama.attention.head_count', gv.u32(spec.nHead));
  metadata.set('llama.attention.head_count_kv', gv.u32(spec.nKvHead));
  metadata.set('llama.attention.key_length', gv.u32(hd));
  metadata.set('llama.attention.value_length', gv.u32(hd));
  metadata.set('llama.rope.dimension_count', gv.u32(hd));
  metadata.set('llama.rope.freq_base', gv.f32(spec.ropeTheta));
  metadata.set('llama.attention.layer_norm_rms_epsilon', gv.f32(spec.rmsNormEps));

  const read = weightReader(weights, 'llama weights');
  /** (out, in) from our `<name>_t` (in, out) or HF's `<name>` (out, in), with or without `model.`. */
  const linear = (name: string, nIn: number, nOut: number): Float32Array =>
    hasAny(weights, [`${name}_t`]) ? transpose2d(read([`${name}_t`], [nIn, nOut]), nIn, nOut) : read([name, `model.${name}`], [nOut, nIn]);
  const tokenEmbd = hasAny(weights, ['embed_tokens_t'])
    ? transpose2d(read(['embed_tokens_t'], [d, v]), d, v)
    : read(['embed_tokens', 'embed_tokens.weight', 'model.embed_tokens.weight'], [v, d]);
  const tensors: GgufTensor[] = [matrixTensor('token_embd.weight', v, d, tokenEmbd, target)];
  if (!spec.tieWordEmbeddings) {
    const head = hasAny(weights, ['lm_head_t']) ? transpose2d(read(['lm_head_t'], [d, v]), d, v) : read(['lm_head.weight'], [v, d]);
    tensors.push(matrixTensor('output.weight', v, d, head, target));
  }
  const norm = (gguf: string, name: string) => vectorTensor(gguf, read([name, `model.${name}`], [d]));
  for (let i = 0; i < nLayer; i++) {
    const l = (s: string) => `layers.${i}.${s}`;
    const blk = (s: string) => `blk.${i}.${s}`;
    const proj = (gguf: string, name: string, nIn: number, nOut: number) =>
      matrixTensor(blk(gguf), nOut, nIn, linear(l(name), nIn, nOut), target);
    tensors.push(
      norm(blk('attn_norm.weight'), l('input_layernorm.weight')),
      matrixTensor(blk('attn_q.weight'), q, d, permuteRopeRows(linear(l('self_attn.q_proj.weight'), d, q), spec.nHead, hd, d), target),
      matrixTensor(blk('attn_k.weight'), kv, d, permuteRopeRows(linear(l('self_attn.k_proj.weight'), d, kv), spec.nKvHead, hd, d), target),
      proj('attn_v.weight', 'self_attn.v_proj.weight', d, kv),
      proj('attn_output.weight', 'self_attn.o_proj.weight', q, d),
      norm(blk('ffn_norm.weight'), l('post_attention_layernorm.weight')),
      proj('ffn_gate.weight', 'mlp.gate_proj.weight', d, f),
      proj('ffn_up.weight', 'mlp.up_proj.weight', d, f),
      proj('ffn_down.weight', 'mlp.down_proj.weight', f, d),
    );
  }
  tensors.push(norm('output_norm.weight', 'norm.weight'));
  return { tensors, contextLength: spec.maxPositions, vocabSize: v };
}
