import { transpose2d } from '../forge/import/gpt2-hf-layout.ts';
import { specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { type GgmlType, type GgufMetadata, gv } from './gguf-format.ts';
import { type FloatWeights, hasAny, matrixTensor, vectorTensor, weightReader } from './gguf-tensor-plan.ts';
import type { GgufTensor } from './gguf-write.ts';

// A GPT-2 folder's weights as llama.cpp's `gpt2` architecture names them. Our graphs (forge and
// imported) keep HF's Conv1D layout (in, out) under HF's per-layer names and the token embedding
// transposed as wte_t (d, vocab); an Optimum hub export keeps HF's names under `transformer.`
// with wte (vocab, d). llama.cpp wants every projection as (out, in) — ne = [in, out] — so each
// Conv1D weight is transposed once here; the LM head is tied (no output.weight: llama.cpp reuses
// token_embd).

export type ArchContent = { tensors: GgufTensor[]; contextLength: number; vocabSize: number };

export function gpt2Content(config: Record<string, unknown>, weights: FloatWeights, metadata: GgufMetadata, target: GgmlType): ArchContent {
  const spec = specFromConfig(config);
  const { nEmbd: d, nLayer, nPositions, vocabSize } = spec;
  const eps = typeof config.layer_norm_epsilon === 'number' ? config.layer_norm_epsilon : 1e-5;
  metadata.set('gpt2.context_length', gv.u32(nPositions));
  metadata.set('gpt2.embedding_length', gv.u32(d));
  metadata.set('gpt2.feed_forward_length', gv.u32(4 * d));
  metadata.set('gpt2.block_count', gv.u32(nLayer));
  metadata.set('gpt2.attention.head_count', gv.u32(spec.nHead));
  metadata.set('gpt2.attention.layer_norm_epsilon', gv.f32(eps));

  const read = weightReader(weights, 'gpt2 weights');
  const names = (n: string) => [n, `transformer.${n}`];
  const tokenEmbd = hasAny(weights, ['wte_t'])
    ? transpose2d(read(['wte_t'], [d, vocabSize]), d, vocabSize) // (vocab, d)
    : read(names('wte.weight'), [vocabSize, d]);
  const tensors: GgufTensor[] = [
    matrixTensor('token_embd.weight', vocabSize, d, tokenEmbd, target),
    matrixTensor('position_embd.weight', nPositions, d, read(['wpe', ...names('wpe.weight')], [nPositions, d]), target, 'keep-f32'),
  ];
  /** HF Conv1D (in, out) → GGUF (out, in). */
  const conv = (gguf: string, hf: string, nIn: number, nOut: number) =>
    matrixTensor(gguf, nOut, nIn, transpose2d(read(names(hf), [nIn, nOut]), nIn, nOut), target);
  const vec = (gguf: string, hf: string, n: number) => vectorTensor(gguf, read(names(hf), [n]));
  for (let i = 0; i < nLayer; i++) {
    const h = (s: string) => `h.${i}.${s}`;
    const blk = (s: string) => `blk.${i}.${s}`;
    tensors.push(
      vec(blk('attn_norm.weight'), h('ln_1.weight'), d),
      vec(blk('attn_norm.bias'), h('ln_1.bias'), d),
      conv(blk('attn_qkv.weight'), h('attn.c_attn.weight'), d, 3 * d),
      vec(blk('attn_qkv.bias'), h('attn.c_attn.bias'), 3 * d),
      conv(blk('attn_output.weight'), h('attn.c_proj.weight'), d, d),
      vec(blk('attn_output.bias'), h('attn.c_proj.bias'), d),
      vec(blk('ffn_norm.weight'), h('ln_2.weight'), d),
      vec(blk('ffn_norm.bias'), h('ln_2.bias'), d),
      conv(blk('ffn_up.weight'), h('mlp.c_fc.weight'), d, 4 * d),
      vec(blk('ffn_up.bias'), h('mlp.c_fc.bias'), 4 * d),
      conv(blk('ffn_down.weight'), h('mlp.c_proj.weight'), 4 * d, d),
      vec(blk('ffn_down.bias'), h('mlp.c_proj.bias'), d),
    );
  }
  tensors.push(vec('output_norm.weight', 'ln_f.weight', d), vec('output_norm.bias', 'ln_f.bias', d));
  return { tensors, contextLength: nPositions, vocabSize };
}
