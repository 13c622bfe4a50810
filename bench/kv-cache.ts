// KV cache vs no cache on one model, both modes alternating in one run (noise hits both alike).
// npm run bench:kv-cache -- [--model forge:gpt2-small] [--reps 3] [--threads 2] [--lengths 40,256]
import { resolve } from 'node:path';
import { generate, greedyStrategy, ModelPool, resolveModel } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const lengths = flag('--lengths', '40,256').split(',').map(Number);
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');

const pool = new ModelPool(1);
const resolved = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const { session, tokenizer } = await pool.get(resolved, { threads, executionProvider: 'cpu' });
console.log(
  `${model} fp32, ${threads} threads, greedy, prompt "${prompt}", ${reps} alternating repetitions per length (after 1 warmup each)`,
);
console.log(`load average before: ${loadAverage()}`);

type Sample = { e2eTokPerS: number; decodeTokPerS: number; tokens: number };
const runOnce = async (useCache: boolean, maxNewTokens: number): Promise<Sample> => {
  // eosTokenIds empty: both modes generate exactly maxNewTokens, so the work compared is equal.
  const strategy = greedyStrategy(session, { useCache });
  const g = await generate(tokenizer, prompt, { maxNewTokens, strategy, eosTokenIds: [] });
  const first = g.events[0]?.t ?? 0;
  const last = g.events.at(-1)?.t ?? 0;
  const n = g.outputTokenIds.length;
  return { e2eTokPerS: n / (last / 1000), decodeTokPerS: (n - 1) / ((last - first) / 1000), tokens: n };
};

const rows: Record<string, string | number>[] = [];
for (const len of lengths) {
  await runOnce(false, Math.min(len, 8));
  await runOnce(true, Math.min(len, 8));
  const cache: Sample[] = [];
  const noCache: Sample[] = [];
  for (let r = 0; r < reps; r++) {
    noCache.push(await runOnce(false, len));
    cache.push(await runOnce(true, len));
  }
  const c = median(cache.map((s) => s.e2eTokPerS));
  const nc = median(noCache.map((s) => s.e2eTokPerS));
  const cd = median(cache.map((s) => s.decodeTokPerS));
  const ncd = median(noCache.map((s) => s.decodeTokPerS));
  rows.push({
    new_tokens: len,
    'no-cache tok/s': nc,
    'cache tok/s': c,
    'ratio (cache/no-cache)': c / nc,
    'no-cache decode tok/s': ncd,
    'cache decode tok/s': cd,
    'decode ratio': cd / ncd,
  });
  console.log(`  ${len} tokens: done`);
}
console.log(`\n${table(rows)}`);
console.log(`load average after: ${loadAverage()}`);
console.log('\ntok/s = N_out / E2EL (seed table definition); decode tok/s = (N_out − 1) / (E2EL − TTFT) (METRICS.md); medians.');
await pool.clear();
