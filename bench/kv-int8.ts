// The int8 KV cache vs the float32 cache on one forge model, in one run: cache bytes measured on
// real present tensors at 256 and 1024 tokens (int8 codes + float32 scales vs float32), decode
// tok/s ratio (batch 1, greedy, same threads; the configurations alternate within each
// repetition in a rotated order, at a short and a long context), and the quality cost against the
// fp32 file (teacher-forced top-1 agreement and mean KL through the cache, greedy prefix).
// Rows: fp32 weights with each cache, and int8 weights with each cache.
// npm run bench:kv-int8 -- [--model forge:gpt2-small] [--reps 3] [--threads 2] [--tokens 64] [--long 768] [--json file]
import { loadavg } from 'node:os';
import {
  EVAL_TEXT,
  generate,
  greedyStrategy,
  kvCacheBytes,
  type LoadedModel,
  ModelPool,
  measureModelQuality,
  type ResolvedModel,
  resolveCellModel,
} from '@inferlab/core';
import type { KvCacheDtype } from '@inferlab/experiments';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, type Cell, decodeTokPerS, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'kv-int8',
  summary: 'int8 vs float32 KV cache (with fp32 and int8 weights): cache bytes, decode tok/s at a short and a long context, quality.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'forge GPT-2 model id' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per configuration and context (rotated order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    tokens: { type: 'string', default: '64', description: 'new tokens per request' },
    long: { type: 'string', default: '768', description: 'prompt tokens of the long context' },
  },
});
const model = bench.str('model');
const reps = bench.int('reps');
const threads = bench.int('threads');
const tokens = bench.int('tokens');
const longContext = bench.int('long');
const modelsDir = modelsDirFromEnv(process.env);
const resolveOpts = { modelsDir, modelRoots: [modelsDir] };
const sessionOpts = { threads, executionProvider: 'cpu' as const };

type Config = { name: string; dtype: 'fp32' | 'int8'; kv: KvCacheDtype };
const CONFIGS: Config[] = [
  { name: 'fp32 w, fp32 kv', dtype: 'fp32', kv: 'fp32' },
  { name: 'fp32 w, int8 kv', dtype: 'fp32', kv: 'int8' },
  { name: 'int8 w, fp32 kv', dtype: 'int8', kv: 'fp32' },
  { name: 'int8 w, int8 kv', dtype: 'int8', kv: 'int8' },
];

// One at a time: building an int8-KV graph of gpt2-small reads the 500 MB fp32 file.
const resolved = new Map<string, ResolvedModel>();
for (const c of CONFIGS) {
  const t = performance.now();
  resolved.set(c.name, await resolveCellModel(model, { dtype: c.dtype, kvCacheDtype: c.kv }, resolveOpts));
  const ms = performance.now() - t;
  if (ms > 1000) console.log(`built or found ${c.name} in ${(ms / 1000).toFixed(1)} s`);
}
const pool = new ModelPool(CONFIGS.length + 1);
const loaded = new Map<string, LoadedModel>();
for (const c of CONFIGS) loaded.set(c.name, await pool.get(resolved.get(c.name) as ResolvedModel, sessionOpts));
const get = (name: string) => loaded.get(name) as LoadedModel;
const ref = get('fp32 w, fp32 kv');
const config = ref.session.config;

// Cache bytes on real tensors: one forward over n tokens of the eval text, the present's bytes.
const evalIds = ref.tokenizer.encode(Array(4).fill(EVAL_TEXT).join('\n')); // ~1400 tokens: the text is ~360
const presentBytes = async (m: LoadedModel, n: number): Promise<number> => {
  const ids = evalIds.slice(0, n);
  const out = await m.session.forward({
    batch: 1,
    seq: n,
    inputIds: BigInt64Array.from(ids, (i) => BigInt(i)),
    attentionMask: new BigInt64Array(n).fill(1n),
    positionIds: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
    past: m.session.emptyCache(1),
  });
  return out.present.bytes;
};
const bytesRows: Record<string, Cell>[] = [];
for (const n of [256, 1024].filter((len) => len <= config.maxPositions)) {
  const fp32 = await presentBytes(ref, n);
  const int8 = await presentBytes(get('fp32 w, int8 kv'), n);
  if (fp32 !== kvCacheBytes(config, 1, n, 'fp32') || int8 !== kvCacheBytes(config, 1, n, 'int8')) {
    throw new Error(`present bytes ${fp32} / ${int8} differ from the docs/metrics.md formula at ${n} tokens`);
  }
  bytesRows.push({
    tokens: n,
    'fp32 KV MiB': fp32 / 2 ** 20,
    'int8 KV MiB (codes + scales)': int8 / 2 ** 20,
    ratio: (int8 / fp32).toFixed(4),
  });
}

const shortPrompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const longPrompt = ref.tokenizer.decode(evalIds.slice(0, longContext));
const run = (name: string, prompt: string) => async (): Promise<number | null> => {
  const m = get(name);
  // eosTokenIds empty: every configuration generates exactly `tokens`, so the work compared is equal.
  return decodeTokPerS(
    await generate(m.tokenizer, prompt, { maxNewTokens: tokens, strategy: greedyStrategy(m.session, { useCache: true }), eosTokenIds: [] }),
  );
};

bench.header(`${model}: ${threads} threads, greedy, batch 1, ${tokens} new tokens, ${reps} rotated repetitions (1 warmup)`);
const contexts = [
  { label: 'short', prompt: shortPrompt },
  { label: `long (${longContext})`, prompt: longPrompt },
];
const samples = new Map<string, (number | null)[]>();
for (const ctx of contexts) {
  const perContext = await runRotated(
    CONFIGS.map((c) => [`${c.name}|${ctx.label}`, run(c.name, ctx.prompt)] as const),
    { reps },
  );
  for (const [key, list] of perContext) samples.set(key, list);
}
console.log(
  `load average after speed runs: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const rows: Record<string, Cell>[] = [];
for (const c of CONFIGS) {
  const q = await measureModelQuality(
    resolved.get(c.name) as ResolvedModel,
    resolved.get('fp32 w, fp32 kv') as ResolvedModel,
    pool,
    sessionOpts,
  );
  // The int8 cache's own cost: the same weights with the float32 cache as the baseline.
  const base = CONFIGS.find((b) => b.dtype === c.dtype && b.kv === 'fp32') as Config;
  const row: Record<string, Cell> = { config: c.name };
  for (const ctx of contexts) {
    const speed = samples.get(`${c.name}|${ctx.label}`) ?? [];
    row[`tok/s ${ctx.label}`] = medianCi(speed, NA_ONE_TOKEN);
    row[`ratio vs ${base.kv} kv ${ctx.label}`] = ratioCi(samples.get(`${base.name}|${ctx.label}`) ?? [], speed, NA_ONE_TOKEN);
  }
  Object.assign(row, {
    'top-1 agree': q.top1Agreement.toFixed(4),
    'mean KL': q.meanKl.toExponential(2),
    'ppl delta': q.perplexityDelta.toFixed(4),
    'greedy prefix': `${q.greedyPrefix}/${q.greedyTokens}`,
  });
  rows.push(row);
}
if (bytesRows.length > 0) bench.table('KV-cache bytes, measured on the present tensors of one forward (batch 1)', bytesRows);
else console.log(`\nKV-cache bytes: skipped, ${model} has ${config.maxPositions} positions (< 256)`);
bench.table(`${model}: int8 vs fp32 KV cache`, rows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT), median [95% bootstrap CI] of the repetitions; ratio = median / the same weights with the fp32 cache [CI].',
  'Quality vs the fp32 file (fp32 weights, fp32 cache), teacher-forced on the bundled eval text through the cache in chunks of 32.',
]);
bench.finish();
await pool.clear();
