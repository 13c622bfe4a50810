// The torch-exported micro GPT-2 (fixtures/torch-gpt2-micro, written by
// bench/torch/make-micro-fixture.ts; no torch here) is a decoder graph our builders did not write,
// with Optimum's I/O, and a faithful GPT-2: its logits are our concat graph's on the same weights,
// through a left-padded prefill and decode steps that feed the presents back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGE_MANIFEST_FILE } from '../forge/forge-model.ts';
import type { Gpt2Spec } from '../forge/forge-models.ts';
import { buildGpt2Model } from '../forge/gpt2-graph.ts';
import { gpt2Weights } from '../forge/gpt2-weights.ts';
import { type HfGpt2Config, specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { encodeModel, PRODUCER_NAME, readModelFile } from '../onnx/index.ts';
import {
  ATTENTION_MASK,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from './io-names.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/torch-gpt2-micro');
const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as HfGpt2Config & { inferlab: { seed: number } };
const spec: Gpt2Spec = { ...specFromConfig(config), seed: config.inferlab.seed };
const HD = spec.nEmbd / spec.nHead;
const layers = Array.from({ length: spec.nLayer }, (_, i) => i);

// Batch 2: row 1 is left-padded by two (mask 0, pad id 0).
const PROMPT = [
  [17, 301, 45, 220, 9],
  [0, 0, 88, 410, 3],
];
const PROMPT_MASK = [
  [1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1],
];
const DECODE_STEPS = 3;

const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]?.length ?? 0]);

/** The last S positions as HF derives them under left padding: real tokens before, minus one; padding at 0. */
function positionsOf(mask: number[][], S: number): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((real) => Math.max(0, (seen += real) - 1)).slice(-S);
  });
}

type Step = { logits: Float32Array; past: Record<string, ort.Tensor> };

async function step(s: ort.InferenceSession, ids: number[][], mask: number[][], past: Record<string, ort.Tensor>): Promise<Step> {
  const S = ids[0]?.length ?? 0;
  const out = await s.run({ [INPUT_IDS]: i64(ids), [ATTENTION_MASK]: i64(mask), [POSITION_IDS]: i64(positionsOf(mask, S)), ...past });
  const next: Record<string, ort.Tensor> = {};
  for (const i of layers) {
    next[pastKeyName(i)] = out[presentKeyName(i)] as ort.Tensor;
    next[pastValueName(i)] = out[presentValueName(i)] as ort.Tensor;
  }
  const logits = out[LOGITS] as ort.Tensor;
  expect(logits.dims).toEqual([2, S, spec.vocabSize]);
  return { logits: logits.data as Float32Array, past: next };
}

function emptyPast(): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (const i of layers) {
    past[pastKeyName(i)] = new ort.Tensor('float32', new Float32Array(0), [2, spec.nHead, 0, HD]);
    past[pastValueName(i)] = new ort.Tensor('float32', new Float32Array(0), [2, spec.nHead, 0, HD]);
  }
  return past;
}

/** Largest |a − b| over the logits rows (b, s) whose token is real: padded queries see no key, and the two graphs spread that row differently. */
function maxDiffOnRealRows(a: Float32Array, b: Float32Array, mask: number[][], S: number): number {
  let m = 0;
  mask.forEach((row, r) => {
    row.slice(-S).forEach((real, s) => {
      if (real === 0) return;
      const at = (r * S + s) * spec.vocabSize;
      for (let v = 0; v < spec.vocabSize; v++) m = Math.max(m, Math.abs((a[at + v] as number) - (b[at + v] as number)));
    });
  });
  return m;
}

const argmaxRow = (x: Float32Array, row: number) => {
  const r = x.subarray(row * spec.vocabSize, (row + 1) * spec.vocabSize);
  return r.reduce((best, v, i) => (v > (r[best] as number) ? i : best), 0);
};

describe('torch-exported GPT-2 fixture', () => {
  let torch: ort.InferenceSession;
  let ours: ort.InferenceSession;
  beforeAll(async () => {
    const opts = { intraOpNumThreads: 1 };
    torch = await ort.InferenceSession.create(join(FIXTURE, 'model.onnx'), opts);
    ours = await ort.InferenceSession.create(encodeModel(buildGpt2Model(spec, gpt2Weights(spec))), opts);
  });
  afterAll(async () => {
    await torch.release();
    await ours.release();
  });

  it("has Optimum's decoder inputs and outputs", () => {
    const kv = (name: (i: number) => string, other: (i: number) => string) => layers.flatMap((i) => [name(i), other(i)]);
    expect(torch.inputNames).toEqual([INPUT_IDS, ATTENTION_MASK, POSITION_IDS, ...kv(pastKeyName, pastValueName)]);
    expect(torch.outputNames).toEqual([LOGITS, ...kv(presentKeyName, presentValueName)]);
  });

  it('was written by torch, not by our builders', () => {
    expect(existsSync(join(FIXTURE, FORGE_MANIFEST_FILE))).toBe(false);
    const model = readModelFile(join(FIXTURE, 'model.onnx'));
    expect(model.producerName).toBe('pytorch');
    expect(model.producerName).not.toBe(PRODUCER_NAME);
    const names = new Set(model.graph.nodes.map((n) => n.name));
    // torch's module-scoped names, and HF's eager ops: Conv1D's addmm as Gemm, the causal mask as Where.
    expect(names).toContain('/transformer/h.0/attn/MatMul');
    expect(names).toContain('/transformer/h.1/attn/c_attn/Gemm');
    expect(names).toContain('/transformer/h.0/attn/Where');
    expect(model.graph.initializers.map((t) => t.name)).toContain('transformer.h.0.attn.c_attn.weight');
  });

  it("gives our concat graph's logits within 1e-4: left-padded prefill of 5, then 3 decode steps on the presents", async () => {
    let mask = PROMPT_MASK;
    let a = await step(torch, PROMPT, mask, emptyPast());
    let b = await step(ours, PROMPT, mask, emptyPast());
    // Not trivially equal: random-init logits still spread (std ≈ 0.1).
    expect(Math.max(...b.logits.map(Math.abs))).toBeGreaterThan(0.05);
    expect(maxDiffOnRealRows(a.logits, b.logits, mask, PROMPT[0]?.length ?? 0)).toBeLessThan(1e-4);
    let last = PROMPT[0]?.length ?? 0;
    for (let t = 0; t < DECODE_STEPS; t++) {
      // Both take our graph's greedy token, so one ulp of difference cannot fork the two runs.
      const ids = [0, 1].map((r) => [argmaxRow(b.logits, r * last + last - 1)]);
      mask = mask.map((row) => [...row, 1]);
      a = await step(torch, ids, mask, a.past);
      b = await step(ours, ids, mask, b.past);
      last = 1;
      expect(maxDiffOnRealRows(a.logits, b.logits, mask, 1), `decode step ${t + 1}`).toBeLessThan(1e-4);
    }
    expect(a.past[pastKeyName(0)]?.dims).toEqual([2, spec.nHead, PROMPT[0]!.length + DECODE_STEPS, HD]);
  });
});
