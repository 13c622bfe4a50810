import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import type { Gpt2Spec } from '../forge-models.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from '../gpt2-weights.ts';
import { gpt2LayerShapes, HF_GPT2_NAMES, HF_PREFIX, transpose2d } from './gpt2-hf-layout.ts';
import { readSafetensorsFile, type SafetensorsFile } from './safetensors-read.ts';

// A Hugging Face GPT-2 folder (config.json + model.safetensors) → the spec and weight map that
// buildGpt2Model consumes. Anything the forge graph does not compute (another activation or
// epsilon, untied LM head, per-layer attention scaling) is refused rather than silently ignored.

export class Gpt2ImportError extends PermanentError {
  override readonly name = 'Gpt2ImportError';
}

export type HfGpt2Config = Record<string, unknown>;

export type Gpt2Checkpoint = {
  /** `seed` is 0: imported weights come from the file, and the graph builder never reads it. */
  spec: Gpt2Spec;
  weights: Gpt2Weights;
  config: HfGpt2Config;
};

function intField(config: HfGpt2Config, key: string): number {
  const v = config[key];
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Gpt2ImportError(`config.json: ${key} = ${String(v)}`);
  return v as number;
}

function checkSupported(config: HfGpt2Config, nEmbd: number): void {
  const want = (key: string, ok: (v: unknown) => boolean) => {
    if (key in config && !ok(config[key])) {
      throw new Gpt2ImportError(`config.json: ${key} = ${JSON.stringify(config[key])} is not supported`);
    }
  };
  want('model_type', (v) => v === 'gpt2');
  want('activation_function', (v) => v === 'gelu_new');
  want('layer_norm_epsilon', (v) => v === 1e-5);
  want('scale_attn_weights', (v) => v === true);
  want('scale_attn_by_inverse_layer_idx', (v) => v === false);
  want('tie_word_embeddings', (v) => v === true);
  want('n_inner', (v) => v === null || v === 4 * nEmbd);
}

export function specFromConfig(config: HfGpt2Config): Gpt2Spec {
  const nEmbd = intField(config, 'n_embd');
  const nHead = intField(config, 'n_head');
  if (nEmbd % nHead !== 0) throw new Gpt2ImportError(`n_embd ${nEmbd} is not a multiple of n_head ${nHead}`);
  checkSupported(config, nEmbd);
  const nPositions = intField(config, 'n_positions');
  return {
    family: 'gpt2',
    nLayer: intField(config, 'n_layer'),
    nHead,
    nEmbd,
    nPositions,
    vocabSize: intField(config, 'vocab_size'),
    seed: 0,
  };
}

/** Reads one HF-named tensor, with or without the `transformer.` prefix, checking its shape. */
function tensorReader(file: SafetensorsFile) {
  return (hfName: string, dims: number[]): Float32Array => {
    const name = file.tensors.has(hfName) ? hfName : `${HF_PREFIX}${hfName}`;
    if (!file.tensors.has(name)) throw new Gpt2ImportError(`model.safetensors has no '${hfName}'`);
    const shape = file.info(name).shape;
    if (shape.length !== dims.length || shape.some((d, i) => d !== dims[i])) {
      throw new Gpt2ImportError(`'${name}' has shape [${shape}], expected [${dims}]`);
    }
    return file.read(name);
  };
}

export function readGpt2Checkpoint(dir: string): Gpt2Checkpoint {
  const configPath = join(dir, 'config.json');
  const modelPath = join(dir, 'model.safetensors');
  if (!existsSync(configPath) || !existsSync(modelPath)) {
    throw new Gpt2ImportError(`${dir} needs config.json and model.safetensors`);
  }
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as HfGpt2Config;
  const spec = specFromConfig(config);
  const file = readSafetensorsFile(modelPath);
  const read = tensorReader(file);
  const { nEmbd: d, vocabSize: v } = spec;

  const weights: Gpt2Weights = new Map();
  const wte = read(HF_GPT2_NAMES.wte, [v, d]); // (V, D)
  weights.set(W.wteT, { dims: [d, v], data: transpose2d(wte, v, d) }); // (D, V)
  weights.set(W.wpe, { dims: [spec.nPositions, d], data: read(HF_GPT2_NAMES.wpe, [spec.nPositions, d]) });
  for (let i = 0; i < spec.nLayer; i++) {
    for (const [suffix, dims] of gpt2LayerShapes(d)) {
      weights.set(W.layer(i, suffix), { dims, data: read(`h.${i}.${suffix}`, dims) });
    }
  }
  weights.set(W.lnFWeight, { dims: [d], data: read(HF_GPT2_NAMES.lnFWeight, [d]) });
  weights.set(W.lnFBias, { dims: [d], data: read(HF_GPT2_NAMES.lnFBias, [d]) });
  checkTiedHead(file, wte);
  return { spec, weights, config };
}

/** An explicit lm_head.weight must equal wte: the forge graph ties the head to the embedding. */
function checkTiedHead(file: SafetensorsFile, wte: Float32Array): void {
  if (!file.tensors.has('lm_head.weight')) return;
  const head = file.read('lm_head.weight');
  if (head.length !== wte.length || head.some((x, i) => x !== wte[i])) {
    throw new Gpt2ImportError('lm_head.weight differs from wte.weight: untied heads are not supported');
  }
}
