import type { LlamaSpec } from '../llama/llama-spec.ts';
import { llamaLayerShapes } from '../llama/llama-weights.ts';

// Hugging Face LlamaForCausalLM parameter names and shapes. nn.Linear stores (out, in); forge
// stores every projection as its transpose (in, out), the MatMul layout, under a `_t` name.
// Norm weights are 1-D and keep their names under `layers.{i}.`.

export const HF_LLAMA_PREFIX = 'model.';

export const HF_LLAMA_NAMES = {
  embed: 'embed_tokens.weight',
  norm: 'norm.weight',
  /** Outside the `model.` prefix, absent from tied checkpoints. */
  lmHead: 'lm_head.weight',
};

export type LlamaLayerTensor = {
  /** Under `layers.{i}.` in both layouts. */
  forgeSuffix: string;
  hfSuffix: string;
  /** HF's shape; forge's is its reverse when `transposed`. */
  hfDims: number[];
  transposed: boolean;
};

export function llamaLayerTensors(spec: LlamaSpec): LlamaLayerTensor[] {
  return llamaLayerShapes(spec).map(([forgeSuffix, dims, kind]) =>
    kind === 'linear'
      ? { forgeSuffix, hfSuffix: forgeSuffix.replace(/_t$/, ''), hfDims: [dims[1] as number, dims[0] as number], transposed: true }
      : { forgeSuffix, hfSuffix: forgeSuffix, hfDims: dims, transposed: false },
  );
}
