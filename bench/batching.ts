// Throughput vs batch size: static batches of 1, 2, 4, 8 (left-padded, greedy) and continuous
// batching with as many slots, over the same requests, sides alternating in one run; medians.
// npm run bench:batching -- [--model forge:gpt2-small] [--requests 8] [--tokens 32] [--reps 3] [--threads 2] [--sizes 1,2,4,8]
import { resolve } from 'node:path';
import { type Generation, generateBatch, generateContinuous, greedyChooser, ModelPool, resolveModel } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const requests = Number(flag('--requests', '8'));
const maxNewTokens = Number(flag('--tokens', '32'));
const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const sizes = flag('--sizes', '1,2,4,8').split(',').map(Number);
const base = [
  'Explain briefly why KV caching and quantization help LLM inference.',
  'Hello world',
  'The history of the',
  'Why is the sky blue?',
];
const prompts = Array.from({ length: requests }, (_, i) => base[i % base.length] as string);
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');

const pool = new ModelPool(1);
const { session, tokenizer } = await pool.get(await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] }), {
  threads,
  executionProvider: 'cpu',
});
const opts = { maxNewTokens, newChooser: () => greedyChooser, eosTokenIds: [] };
console.log(`${model} fp32, ${threads} threads, ${requests} requests × ${maxNewTokens} new tokens, greedy, ${reps} alternating reps`);
console.log(`load average before: ${loadAverage()}`);

/** Σ tokens / wall time of the whole set of requests (METRICS.md throughput). */
const throughput = async (run: () => Promise<Generation[]>): Promise<number> => {
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

await throughput(staticRun(2)); // warmup
const stat = new Map<number, number[]>(sizes.map((s) => [s, []]));
const cont = new Map<number, number[]>(sizes.map((s) => [s, []]));
for (let r = 0; r < reps; r++) {
  for (const s of sizes) {
    stat.get(s)?.push(await throughput(staticRun(s)));
    cont.get(s)?.push(await throughput(continuousRun(s)));
  }
  console.log(`  rep ${r + 1}/${reps} done`);
}
const one = median(stat.get(sizes[0] as number) ?? []);
const rows = sizes.map((s) => {
  const st = median(stat.get(s) ?? []);
  const co = median(cont.get(s) ?? []);
  return {
    'batch size': s,
    'static tok/s': st,
    [`ratio vs batch ${sizes[0]}`]: st / one,
    'continuous tok/s': co,
    'continuous/static': co / st,
  };
});
console.log(`\n${table(rows)}`);
console.log(`load average after: ${loadAverage()}`);
console.log(
  'tok/s = Σ generated tokens / wall time of all requests; medians. Equal lengths (no eos): continuous batching can only match static here.',
);
await pool.clear();
