import { PermanentError } from '@inferlab/experiments';
import type { LlamaSpec } from '../llama/llama-spec.ts';

// HF LlamaConfig (config.json) → LlamaSpec, with HF's defaults for absent fields. Whatever the
// forge graph does not compute is refused by name (scaled RoPE, biases, another activation) rather
// than silently producing different numbers.

export class LlamaImportError extends PermanentError {
  override readonly name = 'LlamaImportError';
}

export type HfLlamaConfig = Record<string, unknown>;

function intField(config: HfLlamaConfig, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (!Number.isInteger(v) || (v as number) <= 0) {
    throw new LlamaImportError(`config.json: ${key} = ${JSON.stringify(config[key])}; expected a positive integer`);
  }
  return v as number;
}

function numField(config: Record<string, unknown>, key: string, fallback: number, where = 'config.json'): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !(v > 0)) throw new LlamaImportError(`${where}: ${key} = ${JSON.stringify(v)}; expected a positive number`);
  return v;
}

function refuse(key: string, value: unknown, why: string): never {
  throw new LlamaImportError(`config.json: ${key} = ${JSON.stringify(value)} is not supported: ${why}`);
}

/** RoPE theta, from rope_theta or transformers 5's rope_parameters; only unscaled ('default') RoPE. */
function ropeTheta(config: HfLlamaConfig): number {
  for (const key of ['rope_scaling', 'rope_parameters']) {
    const rope = config[key];
    if (rope === undefined || rope === null) continue;
    if (typeof rope !== 'object') refuse(key, rope, 'expected an object or null');
    const r = rope as Record<string, unknown>;
    const type = r.rope_type ?? r.type ?? 'default';
    if (type !== 'default') {
      refuse(`${key}.rope_type`, type, "only unscaled RoPE ('default') is implemented; a scaled checkpoint would give wrong logits");
    }
    if (key === 'rope_parameters' && r.rope_theta !== undefined) return numField(r, 'rope_theta', 10000, `config.json ${key}`);
  }
  return numField(config, 'rope_theta', 10000);
}

export function llamaSpecFromConfig(config: HfLlamaConfig): LlamaSpec {
  if (config.model_type !== 'llama') refuse('model_type', config.model_type, "only 'llama' checkpoints are read here");
  const act = config.hidden_act ?? 'silu';
  if (act !== 'silu') refuse('hidden_act', act, "the forge MLP is SwiGLU with 'silu'");
  for (const key of ['attention_bias', 'mlp_bias']) {
    if (config[key] !== undefined && config[key] !== false) refuse(key, config[key], 'the forge graph has no biases');
  }
  const tie = config.tie_word_embeddings ?? false; // LlamaConfig's default
  if (typeof tie !== 'boolean') refuse('tie_word_embeddings', tie, 'expected true or false');
  const hidden = intField(config, 'hidden_size');
  const nHead = intField(config, 'num_attention_heads');
  const nKvHead = intField(config, 'num_key_value_heads', nHead);
  if (nHead % nKvHead !== 0) {
    throw new LlamaImportError(`config.json: num_attention_heads ${nHead} is not a multiple of num_key_value_heads ${nKvHead}`);
  }
  const headDim = intField(config, 'head_dim', hidden / nHead);
  if (headDim % 2 !== 0) throw new LlamaImportError(`config.json: head_dim ${headDim} must be even for RoPE`);
  return {
    family: 'llama',
    nLayer: intField(config, 'num_hidden_layers'),
    hidden,
    nHead,
    nKvHead,
    headDim,
    intermediate: intField(config, 'intermediate_size'),
    maxPositions: intField(config, 'max_position_embeddings', 2048),
    vocabSize: intField(config, 'vocab_size'),
    ropeTheta: ropeTheta(config),
    rmsNormEps: numField(config, 'rms_norm_eps', 1e-6),
    tieWordEmbeddings: tie,
    seed: 0,
  };
}
