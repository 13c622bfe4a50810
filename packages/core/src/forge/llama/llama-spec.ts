import { PermanentError } from '@inferlab/experiments';
// The shape of a Llama-family decoder (HF LlamaForCausalLM): what the graph builder, the weight
// generator and the checkpoint importer agree on. Kept apart from forge-models.ts so importers
// and builders can name it without pulling in the registry.

export type LlamaSpec = {
  family: 'llama';
  nLayer: number;
  /** hidden_size. */
  hidden: number;
  /** num_attention_heads (query heads). */
  nHead: number;
  /** num_key_value_heads: nHead / nKvHead query heads share one K/V head (grouped-query attention). */
  nKvHead: number;
  /** Per-head width; HF's default hidden / nHead, but configs may set head_dim explicitly. */
  headDim: number;
  /** intermediate_size of the SwiGLU MLP. */
  intermediate: number;
  /** max_position_embeddings: rows of the precomputed RoPE tables. */
  maxPositions: number;
  vocabSize: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** The LM head reads the token embedding table (one copy in the file). */
  tieWordEmbeddings: boolean;
  /** Seed of the weight PRNG (0 for imported weights, which never read it). */
  seed: number;
};

export class LlamaSpecError extends PermanentError {
  override readonly name = 'LlamaSpecError';
}

/** Throws when the spec cannot describe a valid graph (the importer reports config fields first). */
export function checkLlamaSpec(spec: LlamaSpec): void {
  const ints: Array<keyof LlamaSpec> = ['nLayer', 'hidden', 'nHead', 'nKvHead', 'headDim', 'intermediate', 'maxPositions', 'vocabSize'];
  for (const k of ints) {
    const v = spec[k];
    if (!Number.isInteger(v) || (v as number) <= 0) throw new LlamaSpecError(`llama spec: ${k} = ${String(v)} must be a positive integer`);
  }
  if (spec.nHead % spec.nKvHead !== 0) {
    throw new LlamaSpecError(`llama spec: nHead ${spec.nHead} is not a multiple of nKvHead ${spec.nKvHead}`);
  }
  if (spec.headDim % 2 !== 0) throw new LlamaSpecError(`llama spec: headDim ${spec.headDim} must be even (RoPE rotates halves)`);
  if (!(spec.ropeTheta > 0) || !(spec.rmsNormEps > 0)) {
    throw new LlamaSpecError(`llama spec: ropeTheta ${spec.ropeTheta} and rmsNormEps ${spec.rmsNormEps} must be positive`);
  }
}
