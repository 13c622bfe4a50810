// The torch-exported micro decoders under fixtures/ (written by bench/torch/make-micro-fixture.ts and
// make-micro-fixtures.ts; no torch here), each a graph shape hub exports have and our builders never write:
//   torch-gpt2-micro       HF eager GPT-2: Conv1D's addmm as Gemm, the causal mask as Where
//   torch-llama-micro      HF eager Llama with grouped-query attention: repeat_kv's
//                          Unsqueeze → Expand → Reshape of the concatenated cache
//   torch-gpt2-sdpa-micro  GPT-2 with SDPA as torch 2.x exports it: √scale × Transpose(cache)
// Each has Optimum's I/O, and its logits are our concat graph's on the same weights, through a
// left-padded prefill and decode steps that feed the presents back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORGE_MANIFEST_FILE } from '../forge/forge-model.ts';
import { buildGpt2Model } from '../forge/gpt2-graph.ts';
import { gpt2Weights } from '../forge/gpt2-weights.ts';
import { type HfLlamaConfig, llamaSpecFromConfig } from '../forge/import/llama-config-fields.ts';
import { type HfGpt2Config, specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { buildLlamaModel } from '../forge/llama/llama-graph.ts';
import { llamaWeights } from '../forge/llama/llama-weights.ts';
import { encodeModel, type GraphProto, type ModelProto, PRODUCER_NAME, readModelFile } from '../onnx/index.ts';
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

const FIXTURES = join(import.meta.dirname, 'fixtures');
type Seeded = { inferlab: { seed: number } };
const configOf = <T>(name: string) => JSON.parse(readFileSync(join(FIXTURES, name, 'config.json'), 'utf8')) as T & Seeded;

/** What the fixture's config.json says, read the way its family reads it. */
type FixtureModel = {
  layers: number;
  /** K/V heads of the cache (B, kvHeads, T, headDim). */
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Our builder's concat graph on the same weights. */
  ours: () => ModelProto;
};

type FixtureCase = FixtureModel & {
  name: string;
  /** torch's module-scoped node names and HF's initializer names the export must carry. */
  nodeNames: string[];
  initializer: string;
  /** Op types from layer 0's Concat(past, new) to the MatMul reading it, Shape reads aside: the point of the fixture. */
  keyPath: string[];
  valuePath: string[];
};

function gpt2Model(name: string): FixtureModel {
  const config = configOf<HfGpt2Config>(name);
  const spec = { ...specFromConfig(config), seed: config.inferlab.seed };
  return {
    layers: spec.nLayer,
    kvHeads: spec.nHead,
    headDim: spec.nEmbd / spec.nHead,
    vocab: spec.vocabSize,
    ours: () => buildGpt2Model(spec, gpt2Weights(spec)),
  };
}

function llamaModel(name: string): FixtureModel {
  const config = configOf<HfLlamaConfig>(name);
  const spec = { ...llamaSpecFromConfig(config), seed: config.inferlab.seed };
  return {
    layers: spec.nLayer,
    kvHeads: spec.nKvHead,
    headDim: spec.headDim,
    vocab: spec.vocabSize,
    ours: () => buildLlamaModel(spec, llamaWeights(spec)),
  };
}

const CASES: FixtureCase[] = [
  {
    name: 'torch-gpt2-micro',
    ...gpt2Model('torch-gpt2-micro'),
    nodeNames: ['/transformer/h.0/attn/MatMul', '/transformer/h.1/attn/c_attn/Gemm', '/transformer/h.0/attn/Where'],
    initializer: 'transformer.h.0.attn.c_attn.weight',
    keyPath: ['Transpose', 'MatMul'],
    valuePath: ['MatMul'],
  },
  {
    name: 'torch-llama-micro',
    ...llamaModel('torch-llama-micro'),
    nodeNames: ['/model/layers.0/self_attn/MatMul', '/model/layers.1/self_attn/Expand', '/model/layers.0/self_attn/rotary_emb/Cos'],
    initializer: 'model.embed_tokens.weight',
    keyPath: ['Unsqueeze', 'Expand', 'Reshape', 'Transpose', 'MatMul'],
    valuePath: ['Unsqueeze', 'Expand', 'Reshape', 'MatMul'],
  },
  {
    name: 'torch-gpt2-sdpa-micro',
    ...gpt2Model('torch-gpt2-sdpa-micro'),
    nodeNames: ['/transformer/h.0/attn/MatMul', '/transformer/h.1/attn/Sqrt_1', '/transformer/h.0/attn/c_attn/Gemm'],
    initializer: 'transformer.h.0.attn.c_attn.weight',
    keyPath: ['Transpose', 'Mul', 'MatMul'],
    valuePath: ['MatMul'],
  },
];

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

/** Op types from `value` down its only non-Shape reader to the first MatMul. */
function pathToMatMul(graph: GraphProto, value: string): string[] {
  const path: string[] = [];
  for (let at = value; path.at(-1) !== 'MatMul'; ) {
    const readers = graph.nodes.filter((n) => n.inputs.includes(at) && n.opType !== 'Shape');
    if (readers.length !== 1) return [...path, `${readers.length} readers`];
    path.push(readers[0]?.opType as string);
    at = readers[0]?.outputs[0] as string;
  }
  return path;
}

describe.each(CASES)('torch-exported $name fixture', (c) => {
  const fixture = join(FIXTURES, c.name);
  const layers = Array.from({ length: c.layers }, (_, i) => i);
  let torch: ort.InferenceSession;
  let ours: ort.InferenceSession;
  beforeAll(async () => {
    const opts = { intraOpNumThreads: 1 };
    torch = await ort.InferenceSession.create(join(fixture, 'model.onnx'), opts);
    ours = await ort.InferenceSession.create(encodeModel(c.ours()), opts);
  });
  afterAll(async () => {
    await torch.release();
    await ours.release();
  });

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
    expect(logits.dims).toEqual([2, S, c.vocab]);
    return { logits: logits.data as Float32Array, past: next };
  }
  // Each (2, kvHeads, 0, headDim).
  const emptyPast = () =>
    Object.fromEntries(
      layers
        .flatMap((i) => [pastKeyName(i), pastValueName(i)])
        .map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [2, c.kvHeads, 0, c.headDim])]),
    );
  /** Largest |a − b| over the logits rows whose token is real: padded queries see no key, and the two graphs spread that row differently. */
  function maxDiffOnRealRows(a: Float32Array, b: Float32Array, mask: number[][], S: number): number {
    let m = 0;
    mask.forEach((row, r) => {
      row.slice(-S).forEach((real, s) => {
        if (real === 0) return;
        const at = (r * S + s) * c.vocab;
        for (let v = 0; v < c.vocab; v++) m = Math.max(m, Math.abs((a[at + v] as number) - (b[at + v] as number)));
      });
    });
    return m;
  }
  const argmaxRow = (x: Float32Array, row: number) => {
    const r = x.subarray(row * c.vocab, (row + 1) * c.vocab);
    return r.reduce((best, v, i) => (v > (r[best] as number) ? i : best), 0);
  };

  it("has Optimum's decoder inputs and outputs", () => {
    const kv = (name: (i: number) => string, other: (i: number) => string) => layers.flatMap((i) => [name(i), other(i)]);
    expect(torch.inputNames).toEqual([INPUT_IDS, ATTENTION_MASK, POSITION_IDS, ...kv(pastKeyName, pastValueName)]);
    expect(torch.outputNames).toEqual([LOGITS, ...kv(presentKeyName, presentValueName)]);
  });

  it('was written by torch, not by our builders, and reads its cache the hub way', () => {
    expect(existsSync(join(fixture, FORGE_MANIFEST_FILE))).toBe(false);
    const model = readModelFile(join(fixture, 'model.onnx'));
    expect(model.producerName).toBe('pytorch');
    expect(model.producerName).not.toBe(PRODUCER_NAME);
    const names = new Set(model.graph.nodes.map((n) => n.name));
    for (const name of c.nodeNames) expect(names).toContain(name);
    expect(model.graph.initializers.map((t) => t.name)).toContain(c.initializer);
    const concatOf = (past: string) => model.graph.nodes.find((n) => n.opType === 'Concat' && n.inputs[0] === past)?.outputs[0] as string;
    expect(concatOf(pastKeyName(0))).toBe(presentKeyName(0));
    expect(pathToMatMul(model.graph, concatOf(pastKeyName(0)))).toEqual(c.keyPath);
    expect(pathToMatMul(model.graph, concatOf(pastValueName(0)))).toEqual(c.valuePath);
  });

  it("gives our concat graph's logits within 1e-4: left-padded prefill of 5, then 3 decode steps on the presents", async () => {
    let mask = PROMPT_MASK;
    let a = await step(torch, PROMPT, mask, emptyPast());
    let b = await step(ours, PROMPT, mask, emptyPast());
    // Not trivially equal: random-init logits still spread (GPT-2's std ≈ 0.1).
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
    expect(a.past[pastKeyName(0)]?.dims).toEqual([2, c.kvHeads, PROMPT[0]!.length + DECODE_STEPS, c.headDim]);
  });
});
