import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  ATTENTION_MASK,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../runtime/io-names.ts';
import type { ForgeSpec } from './forge-models.ts';

// Test support only (not exported from index.ts): a bare onnxruntime decoder loop over a forge
// folder (GPT-2 or Llama), independent of the engine, used as the reference the forge graph is
// checked against. The cache is (B, kv heads, past, head_dim): Llama's grouped-query graphs keep
// only the KV heads.

/** Shared across test files and runs; forge's atomic publish makes concurrent builds safe. */
export const TEST_CACHE_DIR = join(tmpdir(), 'inferlab-test-models');

export type Past = Record<string, ort.Tensor>;

export function emptyPast(spec: ForgeSpec, batch = 1): Past {
  const past: Past = {};
  const dims = spec.family === 'llama' ? [batch, spec.nKvHead, 0, spec.headDim] : [batch, spec.nHead, 0, spec.nEmbd / spec.nHead]; // (B, KV, 0, hd)
  for (let i = 0; i < spec.nLayer; i++) {
    past[pastKeyName(i)] = new ort.Tensor('float32', new Float32Array(0), dims);
    past[pastValueName(i)] = new ort.Tensor('float32', new Float32Array(0), dims);
  }
  return past;
}

const int64 = (rows: number[][]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
    [rows.length, rows[0]?.length ?? 0],
  );

export type StepResult = { logits: Float32Array; dims: readonly number[]; present: Past };

/** One forward: ids/positions (B, S), mask (B, past + S). */
export async function step(
  session: ort.InferenceSession,
  spec: ForgeSpec,
  ids: number[][],
  mask: number[][],
  positions: number[][],
  past: Past,
): Promise<StepResult> {
  const out = await session.run({
    [INPUT_IDS]: int64(ids),
    [ATTENTION_MASK]: int64(mask),
    [POSITION_IDS]: int64(positions),
    ...past,
  });
  const present: Past = {};
  for (let i = 0; i < spec.nLayer; i++) {
    present[pastKeyName(i)] = out[presentKeyName(i)] as ort.Tensor;
    present[pastValueName(i)] = out[presentValueName(i)] as ort.Tensor;
  }
  const logits = out[LOGITS] as ort.Tensor;
  return { logits: logits.data as Float32Array, dims: logits.dims, present };
}

export function argmax(xs: Float32Array, from = 0, to = xs.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if ((xs[i] as number) > (xs[best] as number)) best = i;
  return best - from;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Greedy KV-cache generation for one prompt; returns new tokens and each step's last-row logits. */
export async function ortGreedy(session: ort.InferenceSession, spec: ForgeSpec, prompt: number[], maxNew: number) {
  const tokens: number[] = [];
  const stepLogits: Float32Array[] = [];
  let past = emptyPast(spec);
  let ids = prompt;
  let pastLen = 0;
  for (let n = 0; n < maxNew; n++) {
    const total = pastLen + ids.length;
    const positions = ids.map((_, j) => pastLen + j);
    const r = await step(session, spec, [ids], [Array(total).fill(1)], [positions], past);
    const v = spec.vocabSize;
    const last = r.logits.slice((ids.length - 1) * v, ids.length * v);
    stepLogits.push(last);
    const next = argmax(last);
    tokens.push(next);
    past = r.present;
    pastLen = total;
    ids = [next];
  }
  return { tokens, stepLogits };
}
