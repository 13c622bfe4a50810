// Leak check (issue #15): 1,000 requests in ONE cell (runCell, the worker's path) on a small forge
// model, RSS sampled as requests complete, then 1,000 requests through the in-place KV kind (its
// buffers are the engine's own allocations). A leak shows as RSS still climbing after the first
// hundred requests; noise (GC timing, allocator) is a few MB either way.
// npm run bench:memory-leak -- [--model forge:gpt2-tiny] [--requests 1000] [--tokens 16]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
// A full GC before each sample, so the JS heap sampled is what is still referenced: growth there is
// kept records (or a JS leak), and RSS growing beyond it is native memory (onnxruntime, buffers).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
type Sample = { rss: number; heap: number };
const sample = (): Sample => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20 };
};
bench.header(`${model} fp32, greedy, ${tokens} new tokens, ${requests} requests per phase, 1 thread`);

/** RSS and JS heap (MiB, after a GC) after request i, sampled every requests/20. */
async function phase(run: (onDone: (done: number) => void) => Promise<void>): Promise<Map<number, Sample>> {
  const rss = new Map<number, Sample>();
  const every = Math.max(1, Math.floor(requests / 20));
  await run((done) => {
    if (done % every === 0 || done === requests) rss.set(done, sample());
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
async function loop(kvLayout: 'concat' | 'in-place'): Promise<Map<number, Sample>> {
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

const growth = (samples: Map<number, Sample>) => {
  const points = [...samples.entries()].sort((a, b) => a[0] - b[0]);
  const after = points.find(([done]) => done >= requests / 10) ?? points[0];
  const last = points.at(-1);
  const nan = { rss: Number.NaN, heap: Number.NaN };
  return { at: after?.[0] ?? 0, from: after?.[1] ?? nan, to: last?.[1] ?? nan, max: Math.max(...points.map((p) => p[1].rss)) };
};
bench.table(
  `${model}: RSS growth over ${requests} requests (MiB)`,
  [
    ['one cell (runCell)', cellRss],
    ['concat KV, generate()', concatRss],
    ['in-place KV, generate()', inPlaceRss],
  ].map(([name, rss]) => {
    const g = growth(rss as Map<number, Sample>);
    const [rssGrowth, heapGrowth] = [g.to.rss - g.from.rss, g.to.heap - g.from.heap];
    return {
      phase: name as string,
      [`RSS after request ${g.at}`]: g.from.rss,
      [`RSS after request ${requests}`]: g.to.rss,
      'RSS growth MiB': rssGrowth,
      'RSS growth per 1,000 requests MiB': (rssGrowth / (requests - g.at)) * 1000,
      'JS heap growth MiB': heapGrowth,
      'RSS growth beyond the heap MiB': rssGrowth - heapGrowth,
      'peak RSS MiB': g.max,
    };
  }),
  [
    'RSS = process.memoryUsage().rss, JS heap = heapUsed, both sampled after a full GC; growth measured from the 10% mark, after allocator and caches settle.',
    "JS heap growth is what stays referenced (a cell keeps every request's record until it returns); RSS growth beyond it is native memory.",
  ],
);
bench.finish();
await pool.clear();
