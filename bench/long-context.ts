// Decode speed against context length, and TTFT, on gpt2-small fp32: our engine (on the folder's
// model.onnx, and on its in-place-KV twin: kv-cache/in-place-kv-cache.ts, what cells run by
// default) beside a bare onnxruntime-node loop (bench/bare-ort-loop.ts, no inferlab code),
// transformers.js on the same model.onnx, and llama.cpp on GGUFs written from the same weights (F32,
// and Q8_0 beside our --quant in-place); chunked prefill (--prefill-chunks) as a measured option; greedy, KV cache, batch 1, every engine makes exactly
// --tokens tokens, engine order rotated every repetition (cyclic Latin square).
// npm run bench:long-context -- [--model forge:gpt2-small] [--contexts 16,512,912] [--tokens 32] [--reps 2] [--threads 2] [--quant q8] [--llama yes] [--prefill-chunks 256] [--json file]
import { generate, greedyStrategy, LlamaCppRunner, ModelPool, resolveCellModel, resolveModel, TransformersJsRunner } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { BareOrtLoop } from './bare-ort-loop.ts';
import {
  Bench,
  type Cell,
  type ContextSample,
  contextMedians,
  contextSample,
  longShortRows,
  promptOfLength,
  ratioCi,
  runRotated,
} from './lib.ts';

const bench = Bench.start({
  name: 'long-context',
  summary: 'Decode tok/s and TTFT against prompt length: inferlab (concat and in-place KV), a bare onnxruntime loop, transformers.js.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'forge GPT-2 model id (the in-place twin is forge-built)' },
    contexts: {
      type: 'string',
      default: '16,512,912',
      description: 'prompt lengths in tokens, comma-separated; first = short, last = long',
    },
    tokens: { type: 'string', default: '32', description: 'new tokens per request' },
    reps: { type: 'string', default: '2', description: 'measured repetitions per engine and context' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads (and llama.cpp threads)' },
    quant: {
      type: 'string',
      default: 'q8',
      description: "8-bit weights run in place beside llama.cpp's Q8_0 (q8 or int8; 'none' to skip)",
    },
    llama: { type: 'string', default: 'yes', description: "llama.cpp F32 and Q8_0 on the same weights ('no' to skip)" },
    'prefill-chunks': {
      type: 'string',
      default: '256',
      description: "in-place fp32 with the prompt prefilled in chunks of these sizes ('0' to skip)",
    },
  },
});
const model = bench.str('model');
const contexts = bench.ints('contexts');
const tokens = bench.int('tokens', 2);
const reps = bench.int('reps');
const threads = bench.int('threads');
const modelsDir = modelsDirFromEnv(process.env);
const roots = { modelsDir, modelRoots: [modelsDir] };

const resolved = await resolveModel(model, 'fp32', roots);
const pool = new ModelPool(2);
const options = { threads, executionProvider: 'cpu' as const };
const { session, tokenizer } = await pool.get(resolved, options);
const inPlace = (await pool.get(await resolveCellModel(model, { dtype: 'fp32', kvLayout: 'in-place' }, roots), options)).session;
const bare = await BareOrtLoop.load(resolved.file, threads);
const peer = await TransformersJsRunner.load(resolved.folder, { dtype: 'fp32', threads, device: 'cpu' });
const quant = bench.str('quant');
if (!['q8', 'int8', 'none'].includes(quant)) throw new Error(`--quant: q8, int8 or none, not ${quant}`);
const quantPool = new ModelPool(1);
const quantInPlace =
  quant === 'none'
    ? null
    : (await quantPool.get(await resolveCellModel(model, { dtype: quant as 'q8' | 'int8', kvLayout: 'in-place' }, roots), options)).session;
const withLlama = bench.str('llama') === 'yes';
const llamaF32 = withLlama ? await LlamaCppRunner.load(resolved.folder, { dtype: 'fp32', threads, gpu: false }) : null;
const llamaQ8 = withLlama && quant !== 'none' ? await LlamaCppRunner.load(resolved.folder, { dtype: 'q8', threads, gpu: false }) : null;

const promptOf = (n: number) => promptOfLength(tokenizer, n);
type Engine = (prompt: string, n: number) => Promise<ContextSample>;
const greedy = greedyStrategy(session, { useCache: true });
const greedyInPlace = greedyStrategy(inPlace, { useCache: true });
// eosTokenIds empty: every engine makes exactly n tokens, so the work compared is equal.
const engines: [string, Engine][] = [
  ['inferlab', async (p, n) => contextSample(await generate(tokenizer, p, { maxNewTokens: n, strategy: greedy, eosTokenIds: [] }))],
  [
    'inferlab in-place',
    async (p, n) => contextSample(await generate(tokenizer, p, { maxNewTokens: n, strategy: greedyInPlace, eosTokenIds: [] })),
  ],
  [
    'bare ort',
    async (p, n) => {
      const r = await bare.generate(tokenizer.encode(p), n);
      return { decode: r.decodeTokPerS, ttft: r.ttftMs, tokens: r.tokens };
    },
  ],
  ['transformers.js', async (p, n) => contextSample(await peer.generate(p, { maxNewTokens: n, useCache: true, eosTokenIds: [] }))],
];
for (const chunk of bench.ints('prefill-chunks', 0).filter((c) => c > 0)) {
  const strategy = greedyStrategy(inPlace, { useCache: true, prefillChunk: chunk });
  engines.push([
    `inferlab in-place, prefill chunks of ${chunk}`,
    async (p, n) => contextSample(await generate(tokenizer, p, { maxNewTokens: n, strategy, eosTokenIds: [] })),
  ]);
}
const quantName = `inferlab ${quant} in-place`;
if (quantInPlace !== null) {
  const strategy = greedyStrategy(quantInPlace, { useCache: true });
  engines.push([quantName, async (p, n) => contextSample(await generate(tokenizer, p, { maxNewTokens: n, strategy, eosTokenIds: [] }))]);
}
for (const [name, runner] of [
  ['llama.cpp F32', llamaF32],
  ['llama.cpp Q8_0', llamaQ8],
] as const) {
  if (runner !== null) {
    engines.push([name, async (p, n) => contextSample(await runner.generate(p, { maxNewTokens: n, useCache: true, eosTokenIds: [] }))]);
  }
}

bench.header(
  `${model} fp32, greedy, KV cache, batch 1, ${threads} threads, ${tokens} new tokens, ${reps} reps per engine and context, order rotated; ` +
    `inferlab graphs keep only the logits rows they need: ${session.keepsLogits && inPlace.keepsLogits}`,
);
// Every (engine, context) pair is one side of the rotation, so load that drifts during the run
// (this machine is shared) lands on short and long contexts alike: the long/short ratio needs that.
const prompts = new Map(contexts.map((ctx) => [ctx, promptOf(ctx)]));
for (const [ctx, prompt] of prompts) console.log(`  context ${ctx}: ${tokenizer.encode(prompt).length} prompt tokens`);
for (const [, run] of engines) for (const prompt of prompts.values()) await run(prompt, 2); // warmup (allocations, kernel choice)
const sides = contexts.flatMap((ctx) =>
  engines.map(([name, run]) => [`${name}@${ctx}`, () => run(prompts.get(ctx) as string, tokens)] as const),
);
const samples = await runRotated(sides, { reps, warmup: 0, onRep: (r) => console.log(`  rep ${r + 1}/${reps} done`) });

const of = (ctx: number, name: string) => samples.get(`${name}@${ctx}`) ?? [];
const rows: Record<string, Cell>[] = [];
for (const ctx of contexts) {
  const bareRuns = of(ctx, 'bare ort');
  for (const [name] of engines) {
    const s = of(ctx, name);
    rows.push({
      context: ctx,
      engine: name,
      ...contextMedians(s),
      'decode / bare': ratioCi(
        bareRuns.map((x) => x.decode),
        s.map((x) => x.decode),
        'no decode',
      ),
      'TTFT / bare': ratioCi(
        bareRuns.map((x) => x.ttft),
        s.map((x) => x.ttft),
        'no token',
      ),
      'same tokens as bare': JSON.stringify(s[0]?.tokens) === JSON.stringify(bareRuns[0]?.tokens) ? 'yes' : 'no',
    });
  }
}
bench.table(`${model}: decode and TTFT by context`, rows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT); TTFT from the start of the prefill (tokenization excluded); ratios are median(engine) / median(bare) [95% bootstrap CI].',
]);
const [short, long] = [contexts[0] as number, contexts.at(-1) as number];
bench.table(
  `${model}: decode at context ${long} / decode at context ${short} (issue #15 target ≥ 0.8)`,
  longShortRows(
    engines.map(([name]) => name),
    of,
    short,
    long,
  ),
);
// Issue #15's bar against llama.cpp: our fp32 decode ≥ its F32 and our 8-bit ≥ its Q8_0 at every context.
const versus = (ours: string, theirs: string) =>
  contexts.map((ctx) => ({
    context: ctx,
    pair: `${ours} / ${theirs}`,
    'decode ratio': ratioCi(
      of(ctx, theirs).map((x) => x.decode),
      of(ctx, ours).map((x) => x.decode),
      'no decode',
    ),
    'TTFT ratio (theirs / ours)': ratioCi(
      of(ctx, ours).map((x) => x.ttft),
      of(ctx, theirs).map((x) => x.ttft),
      'no token',
    ),
  }));
if (withLlama) {
  bench.table(
    `${model}: inferlab in place vs llama.cpp (issue #15 target: decode ratio ≥ 1 at every context)`,
    [...versus('inferlab in-place', 'llama.cpp F32'), ...(quantInPlace === null ? [] : versus(quantName, 'llama.cpp Q8_0'))],
    [
      'decode ratio > 1: inferlab decodes faster; TTFT ratio > 1: inferlab answers first. llama.cpp: its F32 KV cache, flash attention off.',
    ],
  );
}
bench.finish();
await bare.release();
await peer.release();
await llamaF32?.release();
await llamaQ8?.release();
await pool.clear();
await quantPool.clear();
