import { type FORGE_MODEL_FAMILIES, type ForgeModelName as KnownForgeModelName, PermanentError } from '@inferlab/experiments';
import type { LlamaSpec } from './llama/llama-spec.ts';

// The named forge models: GPT-2 and Llama architectures with deterministic random weights and
// the real GPT-2 vocabulary, so tokenization is real while the weights cost nothing to ship.

export type Gpt2Spec = {
  family: 'gpt2';
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nPositions: number;
  vocabSize: number;
  /** Seed of the weight PRNG: part of the model's identity (recorded in config.json). */
  seed: number;
  /**
   * A draft model derived from a target: its `nLayer` layers are the target's first layers, drawn
   * from the same (seed, tensor name) streams with the target's depth-dependent init, and it keeps
   * the target's embeddings, ln_f and tokenizer — so the pair shares a vocabulary by construction.
   */
  derivedFrom?: { model: string; nLayer: number };
};

export type ForgeSpec = Gpt2Spec | LlamaSpec;

const GPT2_VOCAB = 50257;

type TargetShape = Pick<Gpt2Spec, 'nLayer' | 'nHead' | 'nEmbd' | 'nPositions' | 'seed'>;

function draftOf(model: string, target: TargetShape, nLayer: number): Gpt2Spec {
  return { family: 'gpt2', ...target, vocabSize: GPT2_VOCAB, nLayer, derivedFrom: { model, nLayer: target.nLayer } };
}

type LlamaShape = Pick<LlamaSpec, 'nLayer' | 'hidden' | 'nHead' | 'nKvHead' | 'intermediate' | 'maxPositions' | 'seed'> & { tie: boolean };

function llama({ tie, ...shape }: LlamaShape): LlamaSpec {
  const headDim = shape.hidden / shape.nHead;
  return { family: 'llama', ...shape, headDim, vocabSize: GPT2_VOCAB, ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: tie };
}

export const FORGE_MODELS = {
  /** ~13 MB (the vocabulary embedding dominates): unit and integration tests. */
  'gpt2-tiny': { family: 'gpt2', nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 128, vocabSize: GPT2_VOCAB, seed: 1 },
  /** ~64 MB: faster than small, still several real layers. */
  'gpt2-mini': { family: 'gpt2', nLayer: 4, nHead: 4, nEmbd: 256, nPositions: 512, vocabSize: GPT2_VOCAB, seed: 2 },
  /** GPT-2 small shape (124M parameters, ~500 MB fp32): the seed notebook's model. */
  'gpt2-small': { family: 'gpt2', nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, vocabSize: GPT2_VOCAB, seed: 3 },
  /** Speculative-decoding drafts: the first layers of their target (see Gpt2Spec.derivedFrom). */
  'gpt2-tiny-draft1': draftOf('gpt2-tiny', { nLayer: 2, nHead: 4, nEmbd: 64, nPositions: 128, seed: 1 }, 1),
  'gpt2-mini-draft1': draftOf('gpt2-mini', { nLayer: 4, nHead: 4, nEmbd: 256, nPositions: 512, seed: 2 }, 1),
  'gpt2-small-draft2': draftOf('gpt2-small', { nLayer: 12, nHead: 12, nEmbd: 768, nPositions: 1024, seed: 3 }, 2),
  /** ~13 MB: Llama blocks (RMSNorm, RoPE, SwiGLU) with grouped-query attention (2 query heads per KV head), tied embeddings. */
  'llama-tiny': llama({ nLayer: 2, hidden: 64, nHead: 4, nKvHead: 2, intermediate: 172, maxPositions: 256, tie: true, seed: 11 }),
  /** ~110 MB: 4 query heads per KV head, untied LM head (two vocabulary tables). */
  'llama-mini': llama({ nLayer: 4, hidden: 256, nHead: 8, nKvHead: 2, intermediate: 688, maxPositions: 1024, tie: false, seed: 12 }),
  // The names are experiments' (the api validates with them): exactly these keys, no more, no fewer.
} as const satisfies { [K in KnownForgeModelName]: ForgeSpec & { family: (typeof FORGE_MODEL_FAMILIES)[K] } };

export type ForgeModelName = keyof typeof FORGE_MODELS;

export class UnknownForgeModelError extends PermanentError {
  override readonly name = 'UnknownForgeModelError';
  constructor(readonly requested: string) {
    super(`unknown forge model '${requested}'; known: ${Object.keys(FORGE_MODELS).join(', ')}`);
  }
}

export function isForgeModelName(name: string): name is ForgeModelName {
  return Object.hasOwn(FORGE_MODELS, name);
}

export function forgeSpec(name: string): ForgeSpec {
  if (!isForgeModelName(name)) throw new UnknownForgeModelError(name);
  return FORGE_MODELS[name];
}
