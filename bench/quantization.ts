// Quantized variants vs fp32 on one model, in one run: file size ratio, weight bytes by dtype, decode
// tok/s ratio (batch 1, KV cache, greedy, same threads; variants alternate within each repetition,
// in a rotated order, so noise and position hit each alike), and the quality metrics of docs/metrics.md
// (perplexity delta, top-1 agreement, mean KL, greedy prefix). Variants forge does not write eagerly
// are built on first use (cached in the model folder).
// npm run bench:quantization -- [--model forge:gpt2-small] [--variants all | int8,q4-b64,…] [--reps 3] [--threads 2] [--tokens 64] [--json file]
import { loadavg } from 'node:os';
import {
  fileBytes,
  fileWeightBytes,
  generate,
  greedyStrategy,
  isVariant,
  ModelPool,
  measureModelQuality,
  type ResolvedModel,
  resolveCellModel,
  VARIANTS,
  type Variant,
} from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, type Cell, cellKvLayout, decodeTokPerS, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'quantization',
  summary: 'Weight variants vs fp32: file size, weight bytes by dtype, decode tok/s ratio, and the docs/metrics.md quality metrics.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'model id' },
    variants: { type: 'string', default: 'all', description: 'all, or variants comma-separated (int8,q4-b64,…)' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per variant (rotated order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    tokens: { type: 'string', default: '64', description: 'new tokens per request' },
  },
});
const model = bench.str('model');
const asked = bench.str('variants');
const reps = bench.int('reps');
const threads = bench.int('threads');
const tokens = bench.int('tokens');
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = modelsDirFromEnv(process.env);
const resolveOpts = { modelsDir, modelRoots: [modelsDir] };
const sessionOpts = { threads, executionProvider: 'cpu' as const };

const requested = asked === 'all' ? [...VARIANTS] : asked.split(',').map((v) => v.trim());
const unknown = requested.filter((v) => !isVariant(v));
if (unknown.length > 0) {
  console.error(`--variants: unknown ${unknown.join(', ')}; known: all, ${VARIANTS.join(', ')}`);
  process.exit(2);
}
const all: Variant[] = ['fp32', ...(requested as Variant[]).filter((v) => v !== 'fp32')];

// One at a time: building a variant of gpt2-small reads the 500 MB fp32 file and rewrites it.
// Each variant's graph as a cell of it runs (kvLayout "auto": in place on forge models).
const kvLayout = cellKvLayout(model);
const resolved: Partial<Record<Variant, ResolvedModel>> = {};
for (const v of all) {
  const t = performance.now();
  resolved[v] = await resolveCellModel(model, { dtype: v, kvLayout }, resolveOpts);
  const ms = performance.now() - t;
  if (ms > 1000) console.log(`built or found ${v} in ${(ms / 1000).toFixed(1)} s`);
}
const pool = new ModelPool(all.length);
const loaded = Object.fromEntries(
  await Promise.all(all.map(async (v) => [v, await pool.get(resolved[v] as ResolvedModel, sessionOpts)] as const)),
);
bench.header(
  `${model}: ${all.join(', ')}; ${threads} threads, greedy, KV cache (${kvLayout ?? 'concat'}), batch 1, ${tokens} new tokens, ${reps} rotated repetitions`,
);

const run = (v: Variant) => async (): Promise<number | null> => {
  const m = loaded[v] as Awaited<ReturnType<ModelPool['get']>>;
  // eosTokenIds empty: every variant generates exactly `tokens`, so the work compared is equal.
  return decodeTokPerS(
    await generate(m.tokenizer, prompt, { maxNewTokens: tokens, strategy: greedyStrategy(m.session, { useCache: true }), eosTokenIds: [] }),
  );
};
const samples = await runRotated(
  all.map((v) => [v, run(v)] as const),
  { reps },
);
console.log(
  `load average after speed runs: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const fp32Bytes = fileBytes(resolved.fp32?.file as string);
const fp32Speed = samples.get('fp32') ?? [];
const rows: Record<string, Cell>[] = [];
for (const v of all) {
  const r = resolved[v] as ResolvedModel;
  const q = await measureModelQuality(r, resolved.fp32 as ResolvedModel, pool, sessionOpts);
  const weights = Object.entries(await fileWeightBytes(r))
    .filter(([, b]) => b >= 2 ** 20)
    .sort(([, a], [, b]) => b - a)
    .map(([type, b]) => `${type} ${mb(b)}`)
    .join(' + ');
  const speed = samples.get(v) ?? [];
  rows.push({
    variant: v,
    'size MB': mb(fileBytes(r.file)),
    'size ratio': (fileBytes(r.file) / fp32Bytes).toFixed(4),
    'weights MB (≥ 1 MB)': weights,
    'decode tok/s': medianCi(speed, NA_ONE_TOKEN),
    'speed ratio': ratioCi(fp32Speed, speed, NA_ONE_TOKEN),
    perplexity: q.perplexity,
    'ppl delta': q.perplexityDelta.toFixed(4),
    'top-1 agree': q.top1Agreement.toFixed(4),
    'mean KL': q.meanKl.toExponential(2),
    'greedy prefix': `${q.greedyPrefix}/${q.greedyTokens}`,
  });
}
bench.table(`${model}: weight variants vs fp32`, rows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT), median [95% bootstrap CI] of the repetitions; speed ratio = median / fp32 median [CI].',
  'Quality: teacher-forced on the bundled eval text vs fp32 (cached next to the model). uint4 = packed 4-bit codes.',
]);
bench.finish();
await pool.clear();
