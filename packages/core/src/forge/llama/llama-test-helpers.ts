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
} from '../../runtime/io-names.ts';
import { argmax } from '../test-helpers.ts';
import type { LlamaSpec } from './llama-spec.ts';

// Test support only (not exported): a bare onnxruntime decoder loop over a Llama graph, with the
// cache shaped (B, num_key_value_heads, past, head_dim), independent of the engine.

export type Past = Record<string, ort.Tensor>;

export function emptyLlamaPast(spec: LlamaSpec, batch = 1): Past {
  const past: Past = {};
  const dims = [batch, spec.nKvHead, 0, spec.headDim]; // (B, KV, 0, hd)
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

export type LlamaStep = { logits: Float32Array; dims: readonly number[]; present: Past; presentKeyDims: readonly number[] };

/** One forward: ids/positions (B, S), mask (B, past + S). */
export async function llamaStep(
  session: ort.InferenceSession,
  spec: LlamaSpec,
  ids: number[][],
  mask: number[][],
  positions: number[][],
  past: Past,
): Promise<LlamaStep> {
  const out = await session.run({ [INPUT_IDS]: int64(ids), [ATTENTION_MASK]: int64(mask), [POSITION_IDS]: int64(positions), ...past });
  const present: Past = {};
  for (let i = 0; i < spec.nLayer; i++) {
    present[pastKeyName(i)] = out[presentKeyName(i)] as ort.Tensor;
    present[pastValueName(i)] = out[presentValueName(i)] as ort.Tensor;
  }
  const logits = out[LOGITS] as ort.Tensor;
  return { logits: logits.data as Float32Array, dims: logits.dims, present, presentKeyDims: (out[presentKeyName(0)] as ort.Tensor).dims };
}

/** Greedy KV-cache generation for one prompt; returns new tokens and each step's last-row logits. */
export async function llamaGreedy(session: ort.InferenceSession, spec: LlamaSpec, prompt: number[], maxNew: number) {
  const tokens: number[] = [];
  const stepLogits: Float32Array[] = [];
  let past = emptyLlamaPast(spec);
  let ids = prompt;
  let pastLen = 0;
  for (let n = 0; n < maxNew; n++) {
    const total = pastLen + ids.length;
    const r = await llamaStep(session, spec, [ids], [Array(total).fill(1)], [ids.map((_, j) => pastLen + j)], past);
    const last = r.logits.slice((ids.length - 1) * spec.vocabSize, ids.length * spec.vocabSize);
    stepLogits.push(last);
    tokens.push(argmax(last));
    past = r.present;
    pastLen = total;
    ids = [tokens[tokens.length - 1] as number];
  }
  return { tokens, stepLogits };
}
