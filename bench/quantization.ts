// Quantized variants vs fp32 on one model, in one run: file size ratio, weight bytes by dtype, decode
// tok/s ratio (batch 1, KV cache, greedy, same threads; variants alternate within each repetition,
// in a rotated order, so noise and position hit each alike), and the quality metrics of METRICS.md
// (perplexity delta, top-1 agreement, mean KL, greedy prefix). Variants forge does not write eagerly
// are built on first use (cached in the model folder).
// npm run bench:quantization -- [--model forge:gpt2-small] [--variants all | int8,q4-b64,…] [--reps 3] [--threads 2] [--tokens 64]
import { resolve } from 'node:path';
import {
  fileBytes,
  fileWeightBytes,
  generate,
  greedyStrategy,
  isVariant,
  ModelPool,
  measureModelQuality,
  type ResolvedModel,
  resolveModel,
  VARIANTS,
  type Variant,
} from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const asked = flag('--variants', 'all');
const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const tokens = Number(flag('--tokens', '64'));
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');
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
const resolved: Partial<Record<Variant, ResolvedModel>> = {};
for (const v of all) {
  const t = performance.now();
  resolved[v] = await resolveModel(model, v, resolveOpts);
  const ms = performance.now() - t;
  if (ms > 1000) console.log(`built or found ${v} in ${(ms / 1000).toFixed(1)} s`);
}
const pool = new ModelPool(all.length);
const loaded = Object.fromEntries(
  await Promise.all(all.map(async (v) => [v, await pool.get(resolved[v] as ResolvedModel, sessionOpts)] as const)),
);
console.log(
  `${model}: ${all.join(', ')}; ${threads} threads, greedy, KV cache, batch 1, ${tokens} new tokens, ${reps} alternating repetitions`,
);
console.log(`load average before: ${loadAverage()}`);

const decodeTokPerS = async (v: Variant, maxNewTokens: number): Promise<number> => {
  const m = loaded[v] as Awaited<ReturnType<ModelPool['get']>>;
  // eosTokenIds empty: every variant generates exactly maxNewTokens, so the work compared is equal.
  const g = await generate(m.tokenizer, prompt, { maxNewTokens, strategy: greedyStrategy(m.session, { useCache: true }), eosTokenIds: [] });
  const first = g.events[0]?.t ?? 0;
  const last = g.events.at(-1)?.t ?? 0;
  return (g.outputTokenIds.length - 1) / ((last - first) / 1000);
};

for (const v of all) await decodeTokPerS(v, 8); // warmup
const samples: Record<string, number[]> = Object.fromEntries(all.map((v) => [v, []]));
for (let r = 0; r < reps; r++) {
  const order = all.map((_, i) => all[(i + r) % all.length] as Variant);
  for (const v of order) samples[v]?.push(await decodeTokPerS(v, tokens));
}
console.log(`load average after speed runs: ${loadAverage()}`);

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const fp32Bytes = fileBytes(resolved.fp32?.file as string);
const fp32Speed = median(samples.fp32 ?? []);
const rows: Record<string, string | number>[] = [];
for (const v of all) {
  const r = resolved[v] as ResolvedModel;
  const q = await measureModelQuality(r, resolved.fp32 as ResolvedModel, pool, sessionOpts);
  const weights = Object.entries(await fileWeightBytes(r))
    .filter(([, b]) => b >= 2 ** 20)
    .sort(([, a], [, b]) => b - a)
    .map(([type, b]) => `${type} ${mb(b)}`)
    .join(' + ');
  const speed = median(samples[v] ?? []);
  rows.push({
    variant: v,
    'size MB': mb(fileBytes(r.file)),
    'size ratio': (fileBytes(r.file) / fp32Bytes).toFixed(4),
    'weights MB (≥ 1 MB)': weights,
    'decode tok/s': speed,
    'speed ratio': speed / fp32Speed,
    perplexity: q.perplexity,
    'ppl delta': q.perplexityDelta.toFixed(4),
    'top-1 agree': q.top1Agreement.toFixed(4),
    'mean KL': q.meanKl.toExponential(2),
    'greedy prefix': `${q.greedyPrefix}/${q.greedyTokens}`,
  });
}
console.log(`\n${table(rows)}`);
console.log(
  '\ndecode tok/s = (N_out − 1) / (E2EL − TTFT), median of the repetitions; speed ratio = median / fp32 median. ' +
    'Quality: teacher-forced on the bundled eval text vs fp32 (cached next to the model). uint4 = packed 4-bit codes.',
);
await pool.clear();
