// What the token clock and result collection cost: instrumented decode (generate(): TokenClock,
// one event per token) vs the same strategy stepped with no clock at all, alternating (ABBA) in one
// run, both timed from outside the same way. Plus a direct measure of the per-token and per-request
// instrumentation work, which bounds the overhead far below what end-to-end noise can resolve.
// npm run bench:timing-overhead -- [--model forge:gpt2-small] [--reps 10] [--threads 2] [--tokens 32]
import { resolve } from 'node:path';
import { generate, greedyStrategy, ModelPool, resolveModel, TokenClock } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const reps = Number(flag('--reps', '10'));
const threads = Number(flag('--threads', '2'));
const tokens = Number(flag('--tokens', '32'));
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');

const pool = new ModelPool(1);
const resolved = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const { session, tokenizer } = await pool.get(resolved, { threads, executionProvider: 'cpu' });
const strategy = greedyStrategy(session, { useCache: true });
const limits = { maxNewTokens: tokens, eosTokenIds: [] as number[] };

const instrumented = async () => (await generate(tokenizer, prompt, { ...limits, strategy })).outputTokenIds;
const bare = async () => {
  // generate() without the clock: tokenize, start, step until maxNewTokens.
  const run = await strategy.start(tokenizer.encode(prompt), limits);
  const out: number[] = [];
  while (out.length < tokens) out.push(...(await run.step(tokens - out.length)).tokens.slice(0, tokens - out.length));
  return out;
};
const timed = async (f: () => Promise<number[]>) => {
  const t0 = performance.now();
  const ids = await f();
  return { ms: performance.now() - t0, ids };
};

console.log(
  `${model} fp32, KV cache, greedy, ${threads} threads, ${tokens} tokens, ${reps} reps per side (ABBA); load average before: ${loadAverage()}`,
);
await instrumented();
await bare();
const ms: Record<'instrumented' | 'bare', number[]> = { instrumented: [], bare: [] };
let same = true;
for (let r = 0; r < reps; r++) {
  const order = r % 2 === 0 ? (['instrumented', 'bare'] as const) : (['bare', 'instrumented'] as const);
  const results = [];
  for (const side of order) {
    const t = await timed(side === 'instrumented' ? instrumented : bare);
    ms[side].push(t.ms);
    results.push(t.ids.join());
  }
  same &&= results[0] === results[1];
}
console.log(`load average after: ${loadAverage()}; same tokens: ${same}`);

// The instrumentation itself, measured directly: one emit per token, and per request the record
// that run-cell builds (text decode excluded: it happens after the request's last token).
const N = 200_000;
const clock = new TokenClock();
let t0 = performance.now();
for (let i = 0; i < N; i++) clock.emit(1);
const emitUs = ((performance.now() - t0) * 1000) / N;
const g = await generate(tokenizer, prompt, { ...limits, strategy });
t0 = performance.now();
for (let i = 0; i < 1000; i++) JSON.stringify({ repetition: i, promptIndex: 0, ...g, text: '' });
const recordUs = ((performance.now() - t0) * 1000) / 1000;

const mi = median(ms.instrumented);
const mb = median(ms.bare);
const perRequestMs = mb;
const boundPct = ((emitUs * tokens + recordUs) / 1000 / perRequestMs) * 100;
console.log(
  `\n${table([
    { side: 'bare (no clock)', 'median ms / request': mb, 'ms / token': mb / tokens },
    { side: 'instrumented', 'median ms / request': mi, 'ms / token': mi / tokens },
  ])}`,
);
console.log(
  `\nend-to-end: instrumented / bare = ${(mi / mb).toFixed(4)} (${(((mi - mb) / mb) * 100).toFixed(2)}%; noise on this machine is larger than 1%)`,
);
const paired = ms.instrumented.map((v, i) => v / (ms.bare[i] as number));
console.log(
  `paired per-rep ratio instrumented / bare: median ${median(paired).toFixed(4)} (min ${Math.min(...paired).toFixed(3)}, max ${Math.max(...paired).toFixed(3)})`,
);
console.log(
  `direct: clock.emit ${emitUs.toFixed(3)} µs/token, record ${recordUs.toFixed(1)} µs/request → ${boundPct.toFixed(4)}% of a request (budget: 1%)`,
);
await pool.clear();
