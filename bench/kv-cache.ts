// KV cache vs no cache on one model, both modes in one run in ABBA order (noise hits both alike).
// npm run bench:kv-cache -- [--model forge:gpt2-small] [--reps 3] [--threads 2] [--lengths 40,256] [--json file]
import { type Generation, generate, greedyStrategy, ModelPool, resolveCellModel, resolveModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, cellKvLayout, decodeTokPerS, e2eTokPerS, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'kv-cache',
  summary: 'No KV cache vs KV cache on one model, greedy, exactly --lengths new tokens each (no eos).',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'model id' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per side and length (ABBA order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    lengths: { type: 'string', default: '40,256', description: 'new tokens per request, comma-separated' },
  },
});
const model = bench.str('model');
const reps = bench.int('reps');
const threads = bench.int('threads');
const lengths = bench.ints('lengths');
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = modelsDirFromEnv(process.env);

const pool = new ModelPool(2);
const roots = { modelsDir, modelRoots: [modelsDir] };
const resolved = await resolveModel(model, 'fp32', roots);
const { session, tokenizer } = await pool.get(resolved, { threads, executionProvider: 'cpu' });
// The cache as cells keep it by default (kvLayout "auto"): in place on forge models, beside the concat graph's.
const kvLayout = cellKvLayout(model);
const inPlace =
  kvLayout === 'in-place'
    ? (await pool.get(await resolveCellModel(model, { dtype: 'fp32', kvLayout }, roots), { threads, executionProvider: 'cpu' })).session
    : null;
bench.header(`${model} fp32, ${threads} threads, greedy, prompt "${prompt}", ${reps} repetitions per side and length (ABBA, 1 warmup)`);

// eosTokenIds empty: both modes generate exactly maxNewTokens, so the work compared is equal.
const runOnce =
  (useCache: boolean, maxNewTokens: number, on = session) =>
  () =>
    generate(tokenizer, prompt, { maxNewTokens, strategy: greedyStrategy(on, { useCache }), eosTokenIds: [] });

const rows = [];
for (const len of lengths) {
  const samples = await runRotated<Generation>(
    [
      ['no-cache', runOnce(false, len)],
      ['cache', runOnce(true, len)],
      ...(inPlace === null ? [] : [['cache in-place', runOnce(true, len, inPlace)] as const]),
    ],
    { reps },
  );
  const [nc, c, ip] = [samples.get('no-cache') ?? [], samples.get('cache') ?? [], samples.get('cache in-place') ?? []];
  rows.push({
    new_tokens: len,
    'no-cache tok/s': medianCi(nc.map(e2eTokPerS), 'no timing'),
    'cache tok/s': medianCi(c.map(e2eTokPerS), 'no timing'),
    'ratio (cache/no-cache)': ratioCi(nc.map(e2eTokPerS), c.map(e2eTokPerS), 'no timing'),
    'no-cache decode tok/s': medianCi(nc.map(decodeTokPerS), NA_ONE_TOKEN),
    'cache decode tok/s': medianCi(c.map(decodeTokPerS), NA_ONE_TOKEN),
    'decode ratio': ratioCi(nc.map(decodeTokPerS), c.map(decodeTokPerS), NA_ONE_TOKEN),
    ...(inPlace === null
      ? {}
      : {
          'in-place tok/s': medianCi(ip.map(e2eTokPerS), 'no timing'),
          'ratio (in-place/no-cache)': ratioCi(nc.map(e2eTokPerS), ip.map(e2eTokPerS), 'no timing'),
          'decode ratio (in-place/concat)': ratioCi(c.map(decodeTokPerS), ip.map(decodeTokPerS), NA_ONE_TOKEN),
        }),
  });
  console.log(`  ${len} tokens: done`);
}
bench.table(`${model}: KV cache vs no cache`, rows, [
  'tok/s = N_out / E2EL (seed table definition); decode tok/s = (N_out − 1) / (E2EL − TTFT) (docs/metrics.md); medians [95% bootstrap CI].',
]);
bench.finish();
await pool.clear();
