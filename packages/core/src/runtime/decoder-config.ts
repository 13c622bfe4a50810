import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';

/** The shapes of a decoder that the engine needs, read from an HF `config.json`. */
export type DecoderConfig = {
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  hidden: number;
  vocabSize: number;
  maxPositions: number;
  eosTokenIds: number[];
  /** Parameters as counted by the config (embeddings + blocks), for weight-bytes estimates. */
  paramCount: number;
};

export class ModelConfigError extends PermanentError {
  override name = 'ModelConfigError';
}

type RawConfig = Record<string, unknown>;

const num = (raw: RawConfig, keys: string[], file: string): number => {
  for (const k of keys) {
    const v = raw[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  throw new ModelConfigError(`${file}: missing numeric field ${keys.join(' or ')}`);
};

export async function readDecoderConfig(folder: string): Promise<DecoderConfig> {
  const file = join(folder, 'config.json');
  let raw: RawConfig;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as RawConfig;
  } catch (cause) {
    throw new ModelConfigError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : 'unknown';
  const layers = num(raw, ['n_layer', 'num_hidden_layers'], file);
  const heads = num(raw, ['n_head', 'num_attention_heads'], file);
  const hidden = num(raw, ['n_embd', 'hidden_size'], file);
  const kvHeads = typeof raw.num_key_value_heads === 'number' ? raw.num_key_value_heads : heads;
  const headDim = typeof raw.head_dim === 'number' ? raw.head_dim : hidden / heads;
  const vocabSize = num(raw, ['vocab_size'], file);
  const maxPositions = num(raw, ['n_positions', 'max_position_embeddings'], file);
  const eos = raw.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [];
  const inner =
    typeof raw.n_inner === 'number' ? raw.n_inner : typeof raw.intermediate_size === 'number' ? raw.intermediate_size : 4 * hidden;
  // Per block: attention (q,k,v,o) + MLP + norms; plus token and position embeddings.
  const perBlock = hidden * (hidden + 2 * kvHeads * headDim) + hidden * hidden + 2 * hidden * inner + 8 * hidden + inner;
  const gpt2Count = vocabSize * hidden + (modelType === 'gpt2' ? maxPositions * hidden : 0) + layers * perBlock + 2 * hidden;
  const paramCount =
    modelType === 'llama' ? llamaParamCount(raw, { layers, heads, kvHeads, headDim, hidden, vocabSize, inner }) : gpt2Count;
  return { modelType, layers, heads, kvHeads, headDim, hidden, vocabSize, maxPositions, eosTokenIds, paramCount };
}

/** HF num_parameters() of a Llama: q, k, v, o, SwiGLU (3 matrices), 2 RMSNorms per block, no biases; an untied head counts. */
function llamaParamCount(
  raw: RawConfig,
  c: { layers: number; heads: number; kvHeads: number; headDim: number; hidden: number; vocabSize: number; inner: number },
): number {
  const q = c.heads * c.headDim;
  const perBlock = 2 * c.hidden * q + 2 * c.hidden * c.kvHeads * c.headDim + 3 * c.hidden * c.inner + 2 * c.hidden;
  const embeddings = (raw.tie_word_embeddings === true ? 1 : 2) * c.vocabSize * c.hidden; // LlamaConfig defaults to untied
  return embeddings + c.layers * perBlock + c.hidden;
}
