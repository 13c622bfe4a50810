import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { SafetensorsFile } from '../forge/import/safetensors-read.ts';
import { encodeSafetensors, type TensorToWrite } from '../forge/import/safetensors-write.ts';
import type { AdamWState } from './adamw.ts';
import type { SamplerState } from './batch-sampler.ts';

// A training checkpoint is one safetensors file: weights, AdamW's m and v, and a JSON header
// entry with the step, the sampler's random state and the losses so far. It is written to a
// temporary name and renamed over the previous one, so a crash mid-write leaves the last complete
// checkpoint in place (rename is atomic within a directory).

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'inferlab-train-checkpoint-v1';

export type CheckpointMeta = {
  /** Optimizer steps completed. */
  step: number;
  sampler: SamplerState;
  /** Hash of the options that must not change across a resume (shape, data, schedule, seed). */
  fingerprint: string;
  losses: number[];
  heldOut: Array<{ step: number; loss: number }>;
  tokensSeen: number;
  trainSeconds: number;
};

export type TrainWeights = Map<string, { dims: number[]; data: Float32Array }>;

export type TrainCheckpoint = { meta: CheckpointMeta; weights: TrainWeights; adam: AdamWState };

export class CheckpointError extends PermanentError {
  override readonly name = 'CheckpointError';
}

export function writeCheckpoint(dir: string, c: TrainCheckpoint): string {
  mkdirSync(dir, { recursive: true });
  const tensors = new Map<string, TensorToWrite>();
  [...c.weights].forEach(([name, w], i) => {
    tensors.set(`weight/${name}`, { shape: w.dims, data: w.data });
    tensors.set(`adam.m/${name}`, { shape: w.dims, data: c.adam.m[i] as Float32Array });
    tensors.set(`adam.v/${name}`, { shape: w.dims, data: c.adam.v[i] as Float32Array });
  });
  const bytes = encodeSafetensors(tensors, { format: FORMAT, meta: JSON.stringify(c.meta), adamStep: String(c.adam.step) });
  const path = join(dir, CHECKPOINT_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return path;
}

/** The checkpoint in `dir`, or undefined when there is none yet. */
export function readCheckpoint(dir: string): TrainCheckpoint | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  const file = new SafetensorsFile(readFileSync(path));
  if (file.metadata.format !== FORMAT) throw new CheckpointError(`${path} is not a ${FORMAT} file`);
  const meta = JSON.parse(file.metadata.meta ?? 'null') as CheckpointMeta | null;
  if (meta === null) throw new CheckpointError(`${path} has no training state`);
  const weights: TrainWeights = new Map();
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const [key, info] of file.tensors) {
    if (!key.startsWith('weight/')) continue;
    const name = key.slice('weight/'.length);
    weights.set(name, { dims: info.shape, data: file.read(key) });
    m.push(file.read(`adam.m/${name}`));
    v.push(file.read(`adam.v/${name}`));
  }
  return { meta, weights, adam: { step: Number(file.metadata.adamStep), m, v } };
}
