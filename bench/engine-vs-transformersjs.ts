// Our engine vs transformers.js generate() on the same model file, same threads, greedy, KV cache,
// batch 1, both engines alternating in one run (ABBA order, so drift and noise hit both alike).
// npm run bench:engines -- [--model forge:gpt2-small] [--reps 6] [--threads 2] [--tokens 64]
import { resolve } from 'node:path';
import { type Generation, generate, greedyStrategy, ModelPool, resolveModel, TransformersJsRunner } from '@inferlab/core';
import { compareSamples } from '@inferlab/experiments';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const reps = Number(flag('--reps', '6'));
const threads = Number(flag('--threads', '2'));
const tokens = Number(flag('--tokens', '64'));
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');

const resolved = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const pool = new ModelPool(1);
const { session, tokenizer } = await pool.get(resolved, { threads, executionProvider: 'cpu' });
const peer = await TransformersJsRunner.load(resolved.folder, { dtype: 'fp32', threads, device: 'cpu' });
const strategy = greedyStrategy(session, { useCache: true });

// eosTokenIds empty: both generate exactly `tokens` tokens, so the work compared is equal.
const engines: Record<string, () => Promise<Generation>> = {
  inferlab: () => generate(tokenizer, prompt, { maxNewTokens: tokens, strategy, eosTokenIds: [] }),
  'transformers.js': () => peer.generate(prompt, { maxNewTokens: tokens, useCache: true, eosTokenIds: [] }),
};
const decodeTokPerS = (g: Generation) => {
  const first = g.events[0]?.t ?? 0;
  const last = g.events.at(-1)?.t ?? 0;
  return (g.outputTokenIds.length - 1) / ((last - first) / 1000);
};

console.log(`${model} fp32, KV cache, batch 1, greedy, ${threads} threads, ${tokens} new tokens, ${reps} reps per engine (ABBA)`);
console.log(`load average before: ${loadAverage()}`);
const outputs: Record<string, number[]> = {};
for (const [name, run] of Object.entries(engines)) outputs[name] = (await run()).outputTokenIds; // warmup
const samples: Record<string, { decode: number[]; ttft: number[]; e2e: number[] }> = {};
for (const name of Object.keys(engines)) samples[name] = { decode: [], ttft: [], e2e: [] };
const names = Object.keys(engines);
for (let r = 0; r < reps; r++) {
  for (const name of r % 2 === 0 ? names : [...names].reverse()) {
    const g = await (engines[name] as () => Promise<Generation>)();
    const s = samples[name] as { decode: number[]; ttft: number[]; e2e: number[] };
    s.decode.push(decodeTokPerS(g));
    s.ttft.push(g.events[0]?.t ?? Number.NaN);
    s.e2e.push(g.outputTokenIds.length / ((g.events.at(-1)?.t ?? Number.NaN) / 1000));
  }
}
console.log(`load average after: ${loadAverage()}`);
const same = JSON.stringify(outputs.inferlab) === JSON.stringify(outputs['transformers.js']);
console.log(`same greedy tokens from both engines: ${same}`);
const rows = names.map((name) => {
  const s = samples[name] as { decode: number[]; ttft: number[]; e2e: number[] };
  return { engine: name, 'decode tok/s (median)': median(s.decode), 'tok/s N_out/E2EL': median(s.e2e), 'TTFT ms': median(s.ttft) };
});
console.log(`\n${table(rows)}`);
const ours = median(samples.inferlab?.decode ?? []);
const theirs = median(samples['transformers.js']?.decode ?? []);
console.log(`\ndecode tok/s ratio inferlab / transformers.js = ${(ours / theirs).toFixed(3)}`);
const oursReps = samples.inferlab?.decode ?? [];
const theirsReps = samples['transformers.js']?.decode ?? [];
const paired = oursReps.map((v, i) => v / (theirsReps[i] as number));
const c = compareSamples(theirsReps, oursReps); // b = inferlab, a = transformers.js
console.log(
  `paired per-rep ratio (same ABBA pair): median ${median(paired).toFixed(3)}, inferlab ≥ peer in ${paired.filter((r) => r >= 1).length}/${paired.length}`,
);
console.log(
  `inferlab vs transformers.js decode tok/s: ${c?.ratio.toFixed(3)} [${c?.ci.lo.toFixed(3)}, ${c?.ci.hi.toFixed(3)}], Mann-Whitney p = ${c?.pValue.toFixed(3)}: ${c?.verdict}`,
);
console.log(`per-rep decode tok/s inferlab: ${samples.inferlab?.decode.map((v) => v.toFixed(1)).join(' ')}`);
console.log(`per-rep decode tok/s transformers.js: ${samples['transformers.js']?.decode.map((v) => v.toFixed(1)).join(' ')}`);
await peer.release();
await pool.clear();
