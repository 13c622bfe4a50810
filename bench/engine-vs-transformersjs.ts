// Our engine vs transformers.js generate() on the same model file, same threads, greedy, KV cache,
// batch 1, both engines alternating in one run (ABBA order, so drift and noise hit both alike).
// npm run bench:engines -- [--model forge:gpt2-small] [--reps 6] [--threads 2] [--tokens 64] [--json file]
import { type Generation, generate, greedyStrategy, ModelPool, resolveModel, TransformersJsRunner } from '@inferlab/core';
import { compareSamples, modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, decodeTokPerS as decodeRate, e2eTokPerS, formatCell, median, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'engine-vs-transformersjs',
  summary: 'Our engine vs transformers.js generate() on the same model file: decode tok/s, N_out/E2EL, TTFT and the ratio.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'model id' },
    reps: { type: 'string', default: '6', description: 'measured repetitions per engine (ABBA order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads for both engines' },
    tokens: { type: 'string', default: '64', description: 'new tokens per request' },
  },
});
const model = bench.str('model');
const reps = bench.int('reps');
const threads = bench.int('threads');
const tokens = bench.int('tokens');
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = modelsDirFromEnv(process.env);

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
bench.header(
  `${model} fp32, KV cache, batch 1, greedy, ${threads} threads, ${tokens} new tokens, ${reps} reps per engine (ABBA, 1 warmup)`,
);
const names = Object.keys(engines);
const runs = await runRotated(
  names.map((name) => [name, engines[name] as () => Promise<Generation>] as const),
  { reps },
);
const outputs = Object.fromEntries(names.map((name) => [name, JSON.stringify(runs.get(name)?.[0]?.outputTokenIds)]));
const same = outputs.inferlab === outputs['transformers.js'];
console.log(`same greedy tokens from both engines: ${same}`);
const samples = Object.fromEntries(
  names.map((name) => {
    const gs = runs.get(name) ?? [];
    return [name, { decode: gs.map(decodeRate), ttft: gs.map((g) => g.events[0]?.t ?? null), e2e: gs.map(e2eTokPerS) }];
  }),
);
const rows = names.map((name) => {
  const s = samples[name] as (typeof samples)[string];
  return {
    engine: name,
    'decode tok/s': medianCi(s.decode, NA_ONE_TOKEN),
    'tok/s N_out/E2EL': medianCi(s.e2e, 'no timing'),
    'TTFT ms': medianCi(s.ttft, 'no token'),
  };
});
const oursReps = samples.inferlab?.decode ?? [];
const theirsReps = samples['transformers.js']?.decode ?? [];
const c = compareSamples(
  theirsReps.filter((v): v is number => v !== null),
  oursReps.filter((v): v is number => v !== null),
); // b = inferlab, a = transformers.js
const paired = oursReps.flatMap((v, i) => (v === null || theirsReps[i] == null ? [] : [v / (theirsReps[i] as number)]));
bench.table(`${model}: inferlab vs transformers.js`, rows, [
  `decode tok/s ratio inferlab / transformers.js: ${formatCell(ratioCi(theirsReps, oursReps, NA_ONE_TOKEN))}`,
  paired.length === 0
    ? `paired per-rep ratio: n/a (${NA_ONE_TOKEN})`
    : `paired per-rep ratio (same ABBA pair): median ${median(paired).toFixed(3)}, inferlab ≥ peer in ${paired.filter((r) => r >= 1).length}/${paired.length}`,
  c === null
    ? `Mann-Whitney: n/a (${NA_ONE_TOKEN})`
    : `inferlab vs transformers.js decode tok/s: ${c.ratio.toFixed(3)} [${c.ci.lo.toFixed(3)}, ${c.ci.hi.toFixed(3)}], Mann-Whitney p = ${c.pValue.toFixed(3)}: ${c.verdict}`,
]);
bench.finish();
await peer.release();
await pool.clear();
