// Quantized variants vs fp32 on one model, in one run: file size ratio, decode tok/s ratio (batch 1,
// KV cache, greedy, same threads; all variants alternating so noise hits each alike), and the
// quality metrics of METRICS.md (perplexity delta, top-1 agreement, KL, greedy prefix).
// npm run bench:quantization -- [--model forge:gpt2-small] [--variants int8,uint8,q4] [--reps 3] [--threads 2] [--tokens 64]
import { resolve } from 'node:path';
import { fileBytes, generate, greedyStrategy, ModelPool, measureModelQuality, resolveModel, type Variant } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const variants = flag('--variants', 'int8,uint8,q4').split(',') as Variant[];
const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const tokens = Number(flag('--tokens', '64'));
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');
const resolveOpts = { modelsDir, modelRoots: [modelsDir] };
const sessionOpts = { threads, executionProvider: 'cpu' as const };

const all: Variant[] = ['fp32', ...variants.filter((v) => v !== 'fp32')];
const pool = new ModelPool(all.length);
const resolved = Object.fromEntries(await Promise.all(all.map(async (v) => [v, await resolveModel(model, v, resolveOpts)] as const)));
const loaded = Object.fromEntries(await Promise.all(all.map(async (v) => [v, await pool.get(resolved[v] as never, sessionOpts)] as const)));
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
for (let r = 0; r < reps; r++) for (const v of all) samples[v]?.push(await decodeTokPerS(v, tokens));
console.log(`load average after speed runs: ${loadAverage()}`);

const fp32Bytes = fileBytes(resolved.fp32?.file as string);
const fp32Speed = median(samples.fp32 ?? []);
const rows: Record<string, string | number>[] = [];
for (const v of all) {
  const r = resolved[v] as NonNullable<(typeof resolved)[string]>;
  const q = await measureModelQuality(r, resolved.fp32 as typeof r, pool, sessionOpts);
  const speed = median(samples[v] ?? []);
  rows.push({
    variant: v,
    'size MB': fileBytes(r.file) / 2 ** 20,
    'size ratio': (fileBytes(r.file) / fp32Bytes).toFixed(4),
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
  '\ndecode tok/s = (N_out − 1) / (E2EL − TTFT), median; quality: teacher-forced on the bundled eval text vs fp32 (cached next to the model).',
);
await pool.clear();
