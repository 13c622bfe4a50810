// Leak check (issue #15): 1,000 requests in ONE cell (runCell, the worker's path) on a small forge
// model, RSS sampled as requests complete, then 1,000 requests through the in-place KV kind (its
// buffers are the engine's own allocations). A leak shows as RSS still climbing after the first
// hundred requests; noise (GC timing, allocator) is a few MB either way.
// npm run bench:memory-leak -- [--model forge:gpt2-tiny] [--requests 1000] [--tokens 16]
import { generate, greedyStrategy, ModelPool, resolveCellModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { runCell } from '@inferlab/runner';
import { Bench } from './lib.ts';

const bench = Bench.start({
  name: 'memory-leak',
  summary: 'RSS across 1,000 requests in one cell (runCell) and through the in-place KV cache.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-tiny', description: 'forge GPT-2 model id' },
    requests: { type: 'string', default: '1000', description: 'requests per phase' },
    tokens: { type: 'string', default: '16', description: 'new tokens per request' },
  },
});
const model = bench.str('model');
const requests = bench.int('requests', 200);
const tokens = bench.int('tokens');
const modelsDir = modelsDirFromEnv(process.env);
const pool = new ModelPool(2);
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const mb = () => process.memoryUsage().rss / 2 ** 20;
bench.header(`${model} fp32, greedy, ${tokens} new tokens, ${requests} requests per phase, 1 thread`);

/** RSS (MiB) after request i, sampled every requests/20. */
async function phase(run: (onDone: (done: number) => void) => Promise<void>): Promise<Map<number, number>> {
  const rss = new Map<number, number>();
  const every = Math.max(1, Math.floor(requests / 20));
  await run((done) => {
    if (done % every === 0 || done === requests) rss.set(done, mb());
  });
  return rss;
}

const cellRss = await phase(async (onDone) => {
  await runCell(
    {
      model,
      variant: { dtype: 'fp32', cache: true },
      decoding: { strategy: 'greedy' },
      prompts: [prompt],
      maxNewTokens: tokens,
      batchSize: 1,
      device: 'cpu',
      threads: 1,
      repetitions: requests,
      warmup: 1,
    },
    { modelsDir, modelRoots: [modelsDir], pool, onProgress: (p) => p.phase === 'measuring' && onDone(p.done) },
  );
});

/** The engine alone, no cell bookkeeping (records, clocks, quality): `requests` generate() calls on one session. */
async function loop(kvLayout: 'concat' | 'in-place'): Promise<Map<number, number>> {
  const roots = { modelsDir, modelRoots: [modelsDir] };
  const m = await pool.get(await resolveCellModel(model, { dtype: 'fp32', kvLayout }, roots), { threads: 1, executionProvider: 'cpu' });
  const strategy = greedyStrategy(m.session, { useCache: true });
  return phase(async (onDone) => {
    for (let i = 1; i <= requests; i++) {
      await generate(m.tokenizer, prompt, { maxNewTokens: tokens, strategy, eosTokenIds: [] });
      onDone(i);
    }
  });
}
const concatRss = await loop('concat');
const inPlaceRss = await loop('in-place');

const growth = (rss: Map<number, number>) => {
  const points = [...rss.entries()].sort((a, b) => a[0] - b[0]);
  const after = points.find(([done]) => done >= requests / 10) ?? points[0];
  const last = points.at(-1);
  return { at: after?.[0] ?? 0, from: after?.[1] ?? Number.NaN, to: last?.[1] ?? Number.NaN, max: Math.max(...points.map((p) => p[1])) };
};
bench.table(
  `${model}: RSS growth over ${requests} requests (MiB)`,
  [
    ['one cell (runCell)', cellRss],
    ['concat KV, generate()', concatRss],
    ['in-place KV, generate()', inPlaceRss],
  ].map(([name, rss]) => {
    const g = growth(rss as Map<number, number>);
    return {
      phase: name as string,
      [`RSS after request ${g.at}`]: g.from,
      [`RSS after request ${requests}`]: g.to,
      'growth MiB': g.to - g.from,
      'growth per 1,000 requests MiB': ((g.to - g.from) / (requests - g.at)) * 1000,
      'peak MiB': g.max,
    };
  }),
  [
    'RSS = process.memoryUsage().rss; growth measured from the 10% mark, after allocator and caches settle.',
    `JS heap used at the end: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB (the cell keeps every request's record until it returns).`,
  ],
);
bench.finish();
await pool.clear();
