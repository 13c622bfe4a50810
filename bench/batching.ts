// Throughput vs batch size: static batches (left-padded, greedy) and continuous batching with as
// many slots, over the same requests; every side in one run, rotated each repetition (a Latin
// square over the sides), medians with bootstrap CIs.
// npm run bench:batching -- [--model forge:gpt2-small] [--requests 8] [--tokens 32] [--reps 3] [--threads 2] [--sizes 1,2,4,8] [--json file]
import { type Generation, generateBatch, generateContinuous, greedyChooser, ModelPool, resolveCellModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, medianCi, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'batching',
  summary: 'Static and continuous batching at several batch sizes over the same requests (greedy, no eos).',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'model id' },
    requests: { type: 'string', default: '8', description: 'requests per measured set' },
    tokens: { type: 'string', default: '32', description: 'new tokens per request' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per side (rotated order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    sizes: { type: 'string', default: '1,2,4,8', description: 'batch sizes, comma-separated' },
    'kv-layout': {
      type: 'string',
      default: 'concat',
      description: "KV cache: concat (the model's graph) or in-place (forge in-place-KV twin)",
    },
  },
});
const model = bench.str('model');
const requests = bench.int('requests');
const maxNewTokens = bench.int('tokens');
const reps = bench.int('reps');
const threads = bench.int('threads');
const sizes = bench.ints('sizes');
const base = [
  'Explain briefly why KV caching and quantization help LLM inference.',
  'Hello world',
  'The history of the',
  'Why is the sky blue?',
];
const prompts = Array.from({ length: requests }, (_, i) => base[i % base.length] as string);
const modelsDir = modelsDirFromEnv(process.env);

const pool = new ModelPool(1);
const { session, tokenizer } = await pool.get(
  await resolveCellModel(
    model,
    { dtype: 'fp32', kvLayout: bench.str('kv-layout') === 'in-place' ? 'in-place' : 'concat' },
    { modelsDir, modelRoots: [modelsDir] },
  ),
  {
    threads,
    executionProvider: 'cpu',
  },
);
const opts = { maxNewTokens, newChooser: () => greedyChooser, eosTokenIds: [] };
bench.header(
  `${model} fp32, ${threads} threads, ${requests} requests × ${maxNewTokens} new tokens, greedy, ${reps} rotated reps (1 warmup)`,
);

/** Σ tokens / wall time of the whole set of requests (docs/metrics.md throughput). */
const throughput = (run: () => Promise<Generation[]>) => async (): Promise<number> => {
  const t0 = performance.now();
  const gens = await run();
  return gens.reduce((n, g) => n + g.outputTokenIds.length, 0) / ((performance.now() - t0) / 1000);
};
const staticRun = (size: number) => async () => {
  const out: Generation[] = [];
  for (let i = 0; i < prompts.length; i += size) out.push(...(await generateBatch(session, tokenizer, prompts.slice(i, i + size), opts)));
  return out;
};
const continuousRun = (size: number) => () => generateContinuous(session, tokenizer, prompts, { ...opts, maxBatch: size });

const samples = await runRotated<number>(
  sizes.flatMap((s) => [[`static ${s}`, throughput(staticRun(s))] as const, [`continuous ${s}`, throughput(continuousRun(s))] as const]),
  { reps, onRep: (r) => console.log(`  rep ${r + 1}/${reps} done`) },
);
const one = samples.get(`static ${sizes[0]}`) ?? [];
const rows = sizes.map((s) => {
  const st = samples.get(`static ${s}`) ?? [];
  const co = samples.get(`continuous ${s}`) ?? [];
  return {
    'batch size': s,
    'static tok/s': medianCi(st, 'no runs'),
    [`ratio vs batch ${sizes[0]}`]: ratioCi(one, st, 'no runs'),
    'continuous tok/s': medianCi(co, 'no runs'),
    'continuous/static': ratioCi(st, co, 'no runs'),
  };
});
bench.table(`${model}: throughput vs batch size`, rows, [
  'tok/s = Σ generated tokens / wall time of all requests; medians [95% bootstrap CI]. Equal lengths (no eos): continuous batching can only match static here.',
]);
bench.finish();
await pool.clear();
