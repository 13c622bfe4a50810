import type { GgmlType } from './gguf-format.ts';
import type { GgufTensor } from './gguf-write.ts';

// Q4_K_M: llama.cpp's mix (llama-quant.cpp, llama_tensor_get_type) over tensors first planned as
// Q4_K. More bits where quantization hurts most: the LM head (or the tied token embedding that
// serves as one) Q6_K; GPT-2's fused attn_qkv Q5_K; attn_v and ffn_down Q6_K in the first and
// last eighth of the layers and every third layer between (use_more_bits); the rest Q4_K.
// Tensors whose rows are not whole 256-value super-blocks keep their fallback (tensorType).

/** llama.cpp's use_more_bits(i_layer, n_layers), C integer division included. */
export function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.trunc(layers / 8);
  return layer < eighth || layer >= Math.trunc((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/** The Q4_K_M type of a tensor planned as Q4_K: by its name, its layer and the model's layer count. */
export function q4KMType(name: string, layers: number, hasOutput: boolean): GgmlType {
  if (name === 'output.weight' || (!hasOutput && name === 'token_embd.weight')) return 'Q6_K';
  const layer = Number(/^blk\.(\d+)\./.exec(name)?.[1] ?? -1);
  if (name.endsWith('.attn_qkv.weight')) return 'Q5_K';
  if ((name.endsWith('.attn_v.weight') || name.endsWith('.ffn_down.weight')) && useMoreBits(layer, layers)) return 'Q6_K';
  return 'Q4_K';
}

/** `tensors` (planned with target Q4_K) with the Q4_K_M mix applied. */
export function applyQ4KM(tensors: readonly GgufTensor[]): GgufTensor[] {
  const layers = 1 + Math.max(-1, ...tensors.map((t) => Number(/^blk\.(\d+)\./.exec(t.name)?.[1] ?? -1)));
  const hasOutput = tensors.some((t) => t.name === 'output.weight');
  return tensors.map((t) => (t.type === 'Q4_K' ? { ...t, type: q4KMType(t.name, layers, hasOutput) } : t));
}
