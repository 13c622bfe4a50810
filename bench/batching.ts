// Throughput vs batch size: static batches (left-padded, greedy) and continuous batching with as
// many slots, over the same requests; every side in one run, rotated each repetition (a Latin
// square over the sides), medians with bootstrap CIs.
// npm run bench:batching -- [--model forge:gpt2-small] [--requests 8] [--tokens 32] [--reps 3] [--threads 2] [--sizes 1,2,4,8] [--json file]
import { type Generation, generateBatch, generateContinuous, greedyChooser, ModelPool, resolveCellModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, cellKvLayout, median, medianCi, ratioCi, runRotated } from './lib.ts';

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
      default: 'auto',
      description: "KV cache: auto (what a cell runs: in place on forge models), concat (the model's graph) or in-place",
    },
    'step-context': { type: 'string', default: '64', description: 'cache length for the decode-step cost by batch size' },
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

const asked = bench.str('kv-layout');
if (!['auto', 'concat', 'in-place'].includes(asked)) throw new Error(`--kv-layout: auto, concat or in-place, not ${asked}`);
const kvLayout = asked === 'auto' ? (cellKvLayout(model) ?? 'concat') : (asked as 'concat' | 'in-place');
const pool = new ModelPool(1);
const { session, tokenizer } = await pool.get(
  await resolveCellModel(model, { dtype: 'fp32', kvLayout }, { modelsDir, modelRoots: [modelsDir] }),
  {
    threads,
    executionProvider: 'cpu',
  },
);
const opts = { maxNewTokens, newChooser: () => greedyChooser, eosTokenIds: [] };
bench.header(
  `${model} fp32 (KV ${kvLayout}), ${threads} threads, ${requests} requests × ${maxNewTokens} new tokens, greedy, ${reps} rotated reps (1 warmup)`,
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

// Where the time goes: one decode step (seq 1, logits of that row only) at each batch size over a
// cache of --step-context positions, fitted as ms = fixed + perRow · batch. The fixed part is what
// a step costs regardless of rows (reading the weights, kernel launches, the JS loop); perRow is
// the arithmetic each row adds (the ~124M multiply-adds of GPT-2 small, a third of them the
// 50,257-wide LM head). Batch b then gains at most b·(fixed + perRow) / (fixed + b·perRow).
const ctx = bench.int('step-context');
const vocab = session.config.vocabSize;
const stepMs = async (b: number): Promise<number> => {
  const ids = (n: number) => BigInt64Array.from({ length: b * n }, (_, i) => BigInt((i * 7919) % vocab));
  const ones = (n: number) => new BigInt64Array(b * n).fill(1n);
  const positions = (from: number, n: number) => BigInt64Array.from({ length: b * n }, (_, i) => BigInt(from + (i % n)));
  let past = session.emptyCache(b);
  past = (
    await session.forward({
      batch: b,
      seq: ctx,
      inputIds: ids(ctx),
      attentionMask: ones(ctx),
      positionIds: positions(0, ctx),
      past,
      logitsToKeep: 1,
    })
  ).present;
  const times: number[] = [];
  for (let step = 0; step < 12; step++) {
    const len = ctx + step;
    const t0 = performance.now();
    past = (
      await session.forward({
        batch: b,
        seq: 1,
        inputIds: ids(1),
        attentionMask: ones(len + 1),
        positionIds: positions(len, 1),
        past,
        logitsToKeep: 1,
      })
    ).present;
    times.push(performance.now() - t0);
  }
  return median(times.slice(2)); // the first steps allocate
};
const steps = await runRotated<number>(
  sizes.map((b) => [`step ${b}`, () => stepMs(b)] as const),
  { reps },
);
const points = sizes.map((b) => [b, median(steps.get(`step ${b}`) ?? [])] as const);
const n = points.length;
const [sx, sy] = [points.reduce((a, [x]) => a + x, 0) / n, points.reduce((a, [, y]) => a + y, 0) / n];
const perRow = points.reduce((a, [x, y]) => a + (x - sx) * (y - sy), 0) / points.reduce((a, [x]) => a + (x - sx) ** 2, 0);
const fixed = sy - perRow * sx;
bench.table(
  `${model}: one decode step by batch size (cache ${ctx} positions): where the time goes`,
  points.map(([b, ms]) => ({
    'batch size': b,
    'step ms (median)': ms,
    'fit ms': fixed + perRow * b,
    'tok/s': (1000 * b) / ms,
    'ceiling vs batch 1 (fit)': (b * (fixed + perRow)) / (fixed + b * perRow),
  })),
  [
    `fit: step ms = ${fixed.toFixed(2)} fixed + ${perRow.toFixed(2)} per row. The fixed part (weights read once per step, launches) is what batching shares;` +
      ' the per-row part (matrix arithmetic, the LM head) grows with the batch, so the ceiling is b·(fixed + perRow) / (fixed + b·perRow).',
  ],
);
bench.finish();
await pool.clear();
