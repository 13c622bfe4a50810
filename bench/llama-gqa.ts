// Grouped-query attention vs multi-head attention on one Llama shape, both in one run in ABBA order
// (noise hits both alike): forge:llama-mini (8 query heads over 2 KV heads) against its MHA twin
// (8 KV heads, same widths, built here in a temp folder). GQA stores 4× fewer K/V values; how much
// that buys in tokens/s depends on how much of a step reads the cache (long contexts, small models).
// npm run bench:llama-gqa -- [--reps 3] [--threads 2] [--lengths 40,400] [--json file]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildLlamaFolder,
  FORGE_MODELS,
  forgeModel,
  type Generation,
  generate,
  greedyStrategy,
  ModelPool,
  readDecoderConfig,
} from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, decodeTokPerS, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'llama-gqa',
  summary: 'forge:llama-mini (GQA, 8 query heads over 2 KV heads) vs its MHA twin (8 KV heads), greedy, KV cache.',
  options: {
    reps: { type: 'string', default: '3', description: 'measured repetitions per side and length (ABBA order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    lengths: { type: 'string', default: '40,400', description: 'new tokens per request, comma-separated' },
  },
});
const reps = bench.int('reps');
const threads = bench.int('threads');
const lengths = bench.ints('lengths');
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = modelsDirFromEnv(process.env);

const gqaDir = await forgeModel('llama-mini', { cacheDir: modelsDir });
const twinDir = mkdtempSync(join(tmpdir(), 'inferlab-llama-mha-'));
const mini = FORGE_MODELS['llama-mini'];
buildLlamaFolder('llama-mini-mha', { ...mini, nKvHead: mini.nHead }, twinDir);

const pool = new ModelPool(2);
const load = async (folder: string) => {
  const model = { id: folder, folder, file: join(folder, 'onnx/model.onnx'), variant: 'fp32' as const };
  return pool.get(model, { threads, executionProvider: 'cpu' });
};
const sides = { gqa: await load(gqaDir), mha: await load(twinDir) };
for (const [name, m] of Object.entries(sides)) {
  const c = await readDecoderConfig(m.model.folder);
  console.log(`${name}: ${c.layers} layers, ${c.heads} heads, ${c.kvHeads} KV heads, head_dim ${c.headDim}`);
}
bench.header(`fp32, ${threads} threads, KV cache, greedy, ${reps} repetitions per side and length (ABBA, 1 warmup)`);

const runOnce = (side: keyof typeof sides, maxNewTokens: number) => () => {
  const { session, tokenizer } = sides[side];
  return generate(tokenizer, prompt, { maxNewTokens, strategy: greedyStrategy(session, { useCache: true }), eosTokenIds: [] });
};

const rows = [];
for (const len of lengths) {
  const samples = await runRotated<Generation>(
    [
      ['mha', runOnce('mha', len)],
      ['gqa', runOnce('gqa', len)],
    ],
    { reps },
  );
  const [mha, gqa] = [samples.get('mha') ?? [], samples.get('gqa') ?? []];
  rows.push({
    new_tokens: len,
    'MHA decode tok/s': medianCi(mha.map(decodeTokPerS), NA_ONE_TOKEN),
    'GQA decode tok/s': medianCi(gqa.map(decodeTokPerS), NA_ONE_TOKEN),
    'GQA/MHA': ratioCi(mha.map(decodeTokPerS), gqa.map(decodeTokPerS), NA_ONE_TOKEN),
    'MHA KV MiB': (mha[0]?.kvCacheBytes ?? 0) / 2 ** 20,
    'GQA KV MiB': (gqa[0]?.kvCacheBytes ?? 0) / 2 ** 20,
  });
}
bench.table('llama-mini: grouped-query vs multi-head attention', rows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT), medians [95% bootstrap CI]; KV MiB at the end of a request.',
]);
bench.finish();
await pool.clear();
rmSync(twinDir, { recursive: true, force: true });
