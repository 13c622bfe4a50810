import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beamSearchStrategy } from '../decoding/beam-search.ts';
import { createStrategy } from '../decoding/create-strategy.ts';
import { greedyChooser, greedyStrategy } from '../decoding/greedy.ts';
import { generateBatch } from '../engine/generate-batch.ts';
import { toMergedDecoder } from '../forge/optimum-merged-decoder.ts';
import { InPlaceKvCache } from '../kv-cache/in-place-kv-cache.ts';
import { startHubTestServer } from '../model/hub/hub-test-server.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import { resolveModel } from '../model/resolve-model.ts';
import {
  DataType,
  encodeModel,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  readModelFile,
  tensorFromArray,
  writeModelFile,
} from '../onnx/index.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, TEST_MODELS_DIR, TORCH_MICRO } from '../testing/test-models.ts';
import { TORCH_MICRO_FIXTURE, torchMicroFolder } from '../testing/torch-micro-folder.ts';
import { pastKeyName, pastValueName } from './io-names.ts';
import { KvInPlaceRewriteError, rewriteKvInPlace } from './kv-in-place-rewrite.ts';
import { type LoadedModel, ModelPool } from './model-pool.ts';

// The in-place KV cache by graph rewrite (kv-in-place-rewrite.ts), for decoders our builders did
// not write: a micro GPT-2 torch.onnx.export wrote (HF's eager attention: a bias-buffer causal
// mask sliced to the key length, Shape reads of the cache), and — for more graph shapes — our own
// concat graphs of GPT-2 and grouped-query Llama, single and merged (If). Every rewritten graph
// must decode the tokens its concat graph decodes.

const options = { threads: 1, executionProvider: 'cpu' as const };
let work: string;
let pool: ModelPool;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'inferlab-kv-rewrite-'));
  pool = new ModelPool(8);
  // The forge folders whose concat graphs are read below, built on a fresh checkout.
  const roots = { modelsDir: TEST_MODELS_DIR, modelRoots: [TEST_MODELS_DIR] };
  for (const name of ['gpt2-tiny', 'gpt2-mini', 'llama-tiny']) await resolveModel(`forge:${name}`, 'fp32', roots);
}, 300_000);
afterAll(async () => {
  await pool.clear();
  rmSync(work, { recursive: true, force: true });
});

/** A folder holding `model` as its graph, beside `from`'s config and tokenizer files. */
function folderWith(name: string, from: string, model: ModelProto): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(from, f), join(dir, f));
  writeModelFile(join(dir, 'onnx/model.onnx'), model);
  return dir;
}
const load = (folder: string, file = 'onnx/model.onnx') => pool.get({ folder, file: join(folder, file) }, options);

/** Concat nodes reading a past input, in the graph and its subgraphs. */
function pastConcats(g: GraphProto, layers: number): number {
  const past = new Set(Array.from({ length: layers }, (_, i) => [pastKeyName(i), pastValueName(i)]).flat());
  return g.nodes.reduce(
    (n, node) =>
      n +
      (node.opType === 'Concat' && node.inputs.some((i) => past.has(i)) ? 1 : 0) +
      node.attributes.reduce((m, a) => m + (a.g === undefined ? 0 : pastConcats(a.g, layers)), 0),
    0,
  );
}

const greedyTokens = async (m: LoadedModel, prompt: string, n: number) => (await runGreedy(m, prompt, n)).outputTokenIds;

describe('rewriteKvInPlace: our concat graphs, single and merged', () => {
  it.each([
    ['gpt2-mini', 4, false],
    ['gpt2-mini', 4, true],
    ['llama-tiny', 2, false],
    ['llama-tiny', 2, true],
  ] as const)(
    '%s (merged: %s): no Concat of the cache left, fresh.* out, the concat graph’s greedy tokens over 70 steps',
    async (name, layers, merged) => {
      const src = join(TEST_MODELS_DIR, 'forge', name);
      const concat = merged ? toMergedDecoder(readModelFile(join(src, 'onnx/model.onnx'))) : readModelFile(join(src, 'onnx/model.onnx'));
      const { model, concats, reads } = rewriteKvInPlace(concat, layers);
      expect(concats).toBe(2 * layers);
      expect(reads.MatMul).toBe(2 * layers); // each layer's scores and context
      expect(pastConcats(model.graph, layers)).toBe(0);
      expect(model.graph.outputs.map((o) => o.name).filter((o) => o.startsWith('present.'))).toEqual([]);
      const [a, b] = [
        await load(folderWith(`${name}-${merged}-concat`, src, concat)),
        await load(folderWith(`${name}-${merged}`, src, model)),
      ];
      expect(b.session.kvLayout).toBe('in-place');
      expect(b.session.mergedDecoder).toBe(merged);
      for (const prompt of PROMPTS.slice(0, 2)) expect(await greedyTokens(b, prompt, 70)).toEqual(await greedyTokens(a, prompt, 70));
    },
    120_000,
  );

  it('refuses a graph that reads its concatenated cache in a way it cannot split, naming the node', () => {
    const g = readModelFile(join(TEST_MODELS_DIR, 'forge', 'gpt2-tiny', 'onnx/model.onnx'));
    const extra = { name: 'debug_relu', opType: 'Relu', domain: '', inputs: ['present.1.value'], outputs: ['debug'], attributes: [] };
    const model = {
      ...g,
      graph: { ...g.graph, nodes: [...g.graph.nodes, extra], outputs: [...g.graph.outputs, { name: 'debug', elemType: 1, shape: null }] },
    };
    expect(() => rewriteKvInPlace(model, 2)).toThrow(KvInPlaceRewriteError);
    expect(() => rewriteKvInPlace(model, 2)).toThrow(/Relu 'debug_relu' reads the concatenated KV cache[\s\S]*kvLayout "concat"/);
    expect(() => rewriteKvInPlace(g, 3)).toThrow(/no input past_key_values\.2\.key/);
  });

  it('splits a scale of the transposed keys only when it is one element of rank ≤ 1 (broadcasting adds no axes)', () => {
    const g = readModelFile(join(TEST_MODELS_DIR, 'forge', 'gpt2-tiny', 'onnx/model.onnx'));
    // Between layer 0's key Transpose and its scores MatMul, a Mul by a constant of `dims`.
    const scaled = (dims: number[]) => {
      const transpose = g.graph.nodes.find((n) => n.opType === 'Transpose' && n.inputs[0] === 'present.0.key') as NodeProto;
      const keyT = transpose.outputs[0] as string;
      const scale = tensorFromArray('test_scale', DataType.FLOAT, dims, Float32Array.of(1));
      const mul: NodeProto = {
        name: 'test_mul',
        opType: 'Mul',
        domain: '',
        inputs: [keyT, scale.name],
        outputs: ['test_scaled'],
        attributes: [],
      };
      const nodes = g.graph.nodes.flatMap((n) =>
        n === transpose
          ? [n, mul]
          : [n.inputs.includes(keyT) ? { ...n, inputs: n.inputs.map((i) => (i === keyT ? 'test_scaled' : i)) } : n],
      );
      return { ...g, graph: { ...g.graph, nodes, initializers: [...g.graph.initializers, scale] } };
    };
    expect(rewriteKvInPlace(scaled([]), 2).concats).toBe(4);
    expect(rewriteKvInPlace(scaled([1]), 2).concats).toBe(4);
    expect(() => rewriteKvInPlace(scaled([1, 1, 1, 1]), 2)).toThrow(/Mul 'test_mul'[\s\S]*'test_scale' is not one element/);
  });
});

describe('rewriteKvInPlace: a torch-exported GPT-2 (a hub export our builders did not write)', () => {
  let hub: string;
  let concat: LoadedModel;
  let inPlace: LoadedModel;
  const modelsDir = () => join(work, 'models');
  const opts = () => ({ modelsDir: modelsDir(), modelRoots: [work] });
  beforeAll(async () => {
    hub = torchMicroFolder(join(work, 'torch-micro'));
    concat = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'fp32' }, opts()), options);
    inPlace = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts()), options);
  }, 120_000);

  it('is rewritten, not rebuilt, into the models dir: the folder stays as it was', () => {
    expect(inPlace.model.file).toMatch(/\/derived\/[0-9a-f]{64}\/onnx\/model_kvinplace\.onnx$/);
    const entry = JSON.parse(readFileSync(join(inPlace.model.file, '../../variants/fp32-kvinplace.json'), 'utf8'));
    expect(entry.method).toBe('rewritten');
    expect(entry.source.file).toBe(join(hub, 'onnx/model.onnx'));
    expect(readFileSync(join(hub, 'onnx/model.onnx')).equals(readFileSync(join(TORCH_MICRO_FIXTURE, 'model.onnx')))).toBe(true);
    expect(inPlace.session.kvLayout).toBe('in-place');
    expect(inPlace.session.emptyCache(1)).toBeInstanceOf(InPlaceKvCache);
  });

  it('greedy to the end of its 64 positions (the cache outgrows a chunk, then fits the causal mask): the concat graph’s tokens', async () => {
    for (const prompt of PROMPTS) {
      const n = 64 - (await inPlace.tokenizer.encode(prompt)).length;
      const tokens = await greedyTokens(inPlace, prompt, n);
      expect(tokens).toHaveLength(n);
      expect(tokens).toEqual(await greedyTokens(concat, prompt, n));
    }
  }, 60_000);

  it('beam search, static batching and speculative decoding: the concat graph’s tokens', async () => {
    const beam = (m: LoadedModel) =>
      run(m, beamSearchStrategy(m.session, { numBeams: 4, lengthPenalty: 1, earlyStopping: true }), PROMPTS[0] as string, 12);
    expect((await beam(inPlace)).outputTokenIds).toEqual((await beam(concat)).outputTokenIds);
    const batchOpts = { maxNewTokens: 12, newChooser: () => greedyChooser, eosTokenIds: [] };
    const batch = await generateBatch(inPlace.session, inPlace.tokenizer, PROMPTS, batchOpts);
    for (const [i, p] of PROMPTS.entries()) expect(batch[i]?.outputTokenIds).toEqual(await greedyTokens(concat, p, 12));
    const lookup = createStrategy({ strategy: 'prompt-lookup', ngram: 2, k: 4 }, { target: inPlace.session, useCache: true });
    expect((await run(inPlace, lookup, PROMPTS[3] as string, 30)).outputTokenIds).toEqual(
      await greedyTokens(concat, PROMPTS[3] as string, 30),
    );
  }, 60_000);

  it('its merged (If) layout and its q8 variant: rewritten too, the tokens of their concat graphs', async () => {
    const merged = folderWith('torch-merged', hub, toMergedDecoder(readModelFile(join(hub, 'onnx/model.onnx'))));
    const mergedInPlace = await pool.get(await resolveCellModel(`dir:${merged}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts()), options);
    expect(mergedInPlace.session.mergedDecoder).toBe(true);
    expect(await greedyTokens(mergedInPlace, PROMPTS[1] as string, 40)).toEqual(await greedyTokens(concat, PROMPTS[1] as string, 40));
    const q8 = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'q8' }, opts()), options);
    const q8InPlace = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'q8', kvLayout: 'in-place' }, opts()), options);
    expect(q8InPlace.session.kvLayout).toBe('in-place');
    expect(await greedyTokens(q8InPlace, PROMPTS[1] as string, 40)).toEqual(await greedyTokens(q8, PROMPTS[1] as string, 40));
  }, 120_000);

  it('hf: a hub repo holding only the merged decoder, downloaded from a hub-layout server: rewritten, the concat tokens', async () => {
    const files = Object.fromEntries(
      ['config.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [f, readFileSync(join(hub, f))] as const),
    );
    const merged = encodeModel(toMergedDecoder(readModelFile(join(hub, 'onnx/model.onnx'))));
    const server = await startHubTestServer({
      'inferlab-test/torch-gpt2-micro': { main: { ...files, 'onnx/decoder_model_merged.onnx': merged } },
    });
    try {
      const hubOpts = { ...opts(), hub: { endpoint: server.endpoint, token: undefined, offline: false, backoffMs: 10 } };
      const resolved = await resolveCellModel('hf:inferlab-test/torch-gpt2-micro', { dtype: 'fp32', kvLayout: 'in-place' }, hubOpts);
      const entry = JSON.parse(readFileSync(join(resolved.file, '../../variants/fp32-kvinplace.json'), 'utf8'));
      // Keyed by the merged graph's sha256 (the same bytes as the merged folder's above, so its twin is reused).
      const merged = createHash('sha256')
        .update(readFileSync(join(resolved.folder, 'onnx/decoder_model_merged.onnx')))
        .digest('hex');
      expect([entry.method, entry.source.sha256, resolved.file.includes(`/derived/${merged}/`)]).toEqual(['rewritten', merged, true]);
      const m = await pool.get(resolved, options);
      expect([m.session.kvLayout, m.session.mergedDecoder]).toEqual(['in-place', true]);
      expect(await greedyTokens(m, PROMPTS[1] as string, 40)).toEqual(await greedyTokens(concat, PROMPTS[1] as string, 40));
    } finally {
      await server.close();
    }
  }, 60_000);

  it('the int8 cache is refused: it is built only from our builders’ graphs', async () => {
    await expect(resolveCellModel(`dir:${hub}`, { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, opts())).rejects.toThrow(
      /forge/,
    );
  });
});

describe.each([
  ['torch-llama-micro', 'HF eager Llama, grouped-query repeat_kv (Unsqueeze → Expand → Reshape) after the cache Concat'],
  ['torch-gpt2-sdpa-micro', "GPT-2 through torch 2's SDPA decomposition (√scale Mul on the transposed cache)"],
] as const)('rewriteKvInPlace: %s (%s)', (fixture, _shape) => {
  let hub: string;
  let concat: LoadedModel;
  let inPlace: LoadedModel;
  const opts = () => ({ modelsDir: join(work, 'models'), modelRoots: [work] });
  beforeAll(async () => {
    hub = torchMicroFolder(join(work, fixture), fixture);
    concat = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'fp32' }, opts()), options);
    inPlace = await pool.get(await resolveCellModel(`dir:${hub}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts()), options);
  }, 120_000);

  it('is rewritten with no Concat of the cache left: greedy to the end of its positions, beam and batching give the concat tokens', async () => {
    const rewritten = readModelFile(inPlace.model.file);
    expect(pastConcats(rewritten.graph, 2)).toBe(0);
    expect(inPlace.session.kvLayout).toBe('in-place');
    for (const prompt of PROMPTS) {
      const n = 64 - (await inPlace.tokenizer.encode(prompt)).length;
      expect(await greedyTokens(inPlace, prompt, n)).toEqual(await greedyTokens(concat, prompt, n));
    }
    const beam = (m: LoadedModel) =>
      run(m, beamSearchStrategy(m.session, { numBeams: 4, lengthPenalty: 1, earlyStopping: true }), PROMPTS[0] as string, 12);
    expect((await beam(inPlace)).outputTokenIds).toEqual((await beam(concat)).outputTokenIds);
    const batch = await generateBatch(inPlace.session, inPlace.tokenizer, PROMPTS, {
      maxNewTokens: 12,
      newChooser: () => greedyChooser,
      eosTokenIds: [],
    });
    for (const [i, p] of PROMPTS.entries()) expect(batch[i]?.outputTokenIds).toEqual(await greedyTokens(concat, p, 12));
  }, 60_000);

  it('its merged (If) layout is rewritten too, with the concat tokens', async () => {
    const merged = folderWith(`${fixture}-merged`, hub, toMergedDecoder(readModelFile(join(hub, 'onnx/model.onnx'))));
    const m = await pool.get(await resolveCellModel(`dir:${merged}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts()), options);
    expect([m.session.kvLayout, m.session.mergedDecoder]).toEqual(['in-place', true]);
    expect(await greedyTokens(m, PROMPTS[1] as string, 40)).toEqual(await greedyTokens(concat, PROMPTS[1] as string, 40));
  }, 60_000);
});

strategyConformance('greedy, in-place KV, a torch-exported hub graph (rewritten)', {
  model: TORCH_MICRO,
  kvLayout: 'in-place',
  make: async (t) => greedyStrategy(t.session, { useCache: true }),
  equalsGreedy: true,
});

strategyConformance('prompt lookup k=4, in-place KV, a torch-exported hub graph (rewritten)', {
  model: TORCH_MICRO,
  kvLayout: 'in-place',
  make: async (t) => createStrategy({ strategy: 'prompt-lookup', ngram: 2, k: 4 }, { target: t.session, useCache: true }),
  equalsGreedy: true,
});
