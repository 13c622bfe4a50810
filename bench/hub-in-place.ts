// The in-place KV cache on a hub export (a graph our builders did not write): gpt2-small's weights
// exported by torch.onnx.export with HF's eager attention (bench/torch/), decoded by our engine on
// that graph as it is (concat: past → present, what a hub model ran before), on its rewrite
// (runtime/kv-in-place-rewrite.ts: kvLayout in-place on an hf:/dir: model), beside a bare
// onnxruntime-node loop on the same exported graph (bench/bare-ort-loop.ts, no inferlab code) and
// our in-place graph rebuilt from the same weights (what a forge cell runs). Greedy, batch 1, every
// engine makes exactly --tokens tokens, engine and context order rotated every repetition.
// Needs Debian's python3-torch for the export (once; the folder is kept under the models dir).
// npx tsx bench/hub-in-place.ts -- [--model forge:gpt2-small] [--contexts 16,512,912] [--tokens 32] [--reps 2] [--threads 2] [--json file]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generate, greedyStrategy, ModelPool, resolveCellModel, resolveModel } from '@inferlab/core';
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
import { hubFolderFromForge } from './torch/torch-export.ts';

const bench = Bench.start({
  name: 'hub-in-place',
  summary:
    'Decode tok/s and TTFT of a torch-exported (hub-layout) GPT-2: concat, rewritten in place, a bare onnxruntime loop, forge rebuilt in place.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'forge GPT-2 model whose weights torch exports' },
    contexts: { type: 'string', default: '16,512,912', description: 'prompt lengths in tokens; first = short, last = long' },
    tokens: { type: 'string', default: '32', description: 'new tokens per request' },
    reps: { type: 'string', default: '2', description: 'measured repetitions per engine and context' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
  },
});
const model = bench.str('model');
const contexts = bench.ints('contexts');
const tokens = bench.int('tokens', 2);
const reps = bench.int('reps');
const threads = bench.int('threads');
const modelsDir = modelsDirFromEnv(process.env);
const roots = { modelsDir, modelRoots: [modelsDir] };

const forge = await resolveModel(model, 'fp32', roots);
const hub = join(modelsDir, 'bench', 'torch-hub', model.replace(/^forge:/, ''));
if (!existsSync(join(hub, 'onnx', 'model.onnx'))) {
  console.log(`exporting ${model} with torch into ${hub} (once) …`);
  hubFolderFromForge(forge.folder, hub);
}
const hubId = `dir:${hub}`;
const pool = new ModelPool(4);
const options = { threads, executionProvider: 'cpu' as const };
const concat = await pool.get(await resolveModel(hubId, 'fp32', roots), options);
const rewritten = await pool.get(await resolveCellModel(hubId, { dtype: 'fp32', kvLayout: 'in-place' }, roots), options);
const rebuilt = await pool.get(await resolveCellModel(model, { dtype: 'fp32', kvLayout: 'in-place' }, roots), options);
const bare = await BareOrtLoop.load(concat.model.file, threads);
const tokenizer = concat.tokenizer;

const promptOf = (n: number) => promptOfLength(tokenizer, n);
const ours = (m: typeof concat) => {
  const strategy = greedyStrategy(m.session, { useCache: true });
  return async (p: string, n: number) => contextSample(await generate(tokenizer, p, { maxNewTokens: n, strategy, eosTokenIds: [] }));
};
const engines: [string, (p: string, n: number) => Promise<ContextSample>][] = [
  ['hub concat', ours(concat)],
  ['hub in-place (rewritten)', ours(rewritten)],
  [
    'bare ort (hub graph)',
    async (p, n) => {
      const r = await bare.generate(tokenizer.encode(p), n);
      return { decode: r.decodeTokPerS, ttft: r.ttftMs, tokens: r.tokens };
    },
  ],
  ['forge in-place (rebuilt)', ours(rebuilt)],
];

bench.header(
  `${model}'s weights exported by torch (${hub}), fp32, greedy, KV cache, batch 1, ${threads} threads, ${tokens} new tokens, ` +
    `${reps} reps per engine and context, order rotated`,
);
const prompts = new Map(contexts.map((ctx) => [ctx, promptOf(ctx)]));
for (const [ctx, prompt] of prompts) console.log(`  context ${ctx}: ${tokenizer.encode(prompt).length} prompt tokens`);
for (const [, run] of engines) for (const prompt of prompts.values()) await run(prompt, 2); // warmup
const sides = contexts.flatMap((ctx) =>
  engines.map(([name, run]) => [`${name}@${ctx}`, () => run(prompts.get(ctx) as string, tokens)] as const),
);
const samples = await runRotated(sides, { reps, warmup: 0, onRep: (r) => console.log(`  rep ${r + 1}/${reps} done`) });

const of = (ctx: number, name: string) => samples.get(`${name}@${ctx}`) ?? [];
const ratio = (ctx: number, base: string, name: string, key: 'decode' | 'ttft') =>
  ratioCi(
    of(ctx, base).map((x) => x[key]),
    of(ctx, name).map((x) => x[key]),
    'no token',
  );
const rows: Record<string, Cell>[] = [];
for (const ctx of contexts) {
  for (const [name] of engines) {
    const s = of(ctx, name);
    rows.push({
      context: ctx,
      engine: name,
      ...contextMedians(s),
      'decode / hub concat': ratio(ctx, 'hub concat', name, 'decode'),
      'decode / bare': ratio(ctx, 'bare ort (hub graph)', name, 'decode'),
      'TTFT / bare': ratio(ctx, 'bare ort (hub graph)', name, 'ttft'),
      'same tokens as hub concat': JSON.stringify(s[0]?.tokens) === JSON.stringify(of(ctx, 'hub concat')[0]?.tokens) ? 'yes' : 'no',
    });
  }
}
bench.table(`${model} exported by torch: decode and TTFT by context`, rows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT); TTFT from the start of the prefill (tokenization excluded); ratios are median(engine) / median(base) [95% bootstrap CI].',
]);
const [short, long] = [contexts[0] as number, contexts.at(-1) as number];
bench.table(
  `decode at context ${long} / decode at context ${short} (issue #15 target ≥ 0.8)`,
  longShortRows(
    engines.map(([name]) => name),
    of,
    short,
    long,
  ),
);
bench.finish();
await bare.release();
await pool.clear();
