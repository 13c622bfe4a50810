// Target-only greedy vs speculative decoding (model draft, fixed and adaptive k) vs prompt lookup,
// all sides in one run in a rotated order (a Latin square: noise and position hit all alike); medians
// of tokens/s with bootstrap CIs, and the acceptance.
// npm run bench:speculative -- [--model forge:gpt2-small] [--draft forge:gpt2-small-draft2] [--k 4] [--reps 3] [--threads 2] [--tokens 48] [--json file]
import { createStrategy, generate, ModelPool, resolveCellModel, resolveModel } from '@inferlab/core';
import type { Decoding } from '@inferlab/experiments';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { Bench, cellKvLayout, e2eTokPerS, medianCi, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'speculative',
  summary: 'Target-only greedy vs speculative decoding (fixed and adaptive k) vs prompt lookup, greedy verification.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'target model id' },
    draft: { type: 'string', default: 'forge:gpt2-small-draft2', description: 'draft model id' },
    k: { type: 'string', default: '4', description: 'draft tokens per step' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per side and prompt (rotated order)' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    tokens: { type: 'string', default: '48', description: 'new tokens per request' },
  },
});
const model = bench.str('model');
const draftId = bench.str('draft');
const k = bench.int('k');
const reps = bench.int('reps');
const threads = bench.int('threads');
const maxNewTokens = bench.int('tokens');
const prompts = [
  'Explain briefly why KV caching and quantization help LLM inference.',
  'def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef mul(a, b):\n',
];
const modelsDir = modelsDirFromEnv(process.env);
const opts = { modelsDir, modelRoots: [modelsDir] };

const pool = new ModelPool(2);
// The target as a cell runs it (kvLayout "auto"); the draft loads as cells load drafts (resolveModel).
const kvLayout = cellKvLayout(model);
const target = await pool.get(await resolveCellModel(model, { dtype: 'fp32', kvLayout }, opts), { threads, executionProvider: 'cpu' });
const draft = await pool.get(await resolveModel(draftId, 'fp32', opts), { threads, executionProvider: 'cpu' });
const sides: [string, Decoding][] = [
  ['target only (greedy)', { strategy: 'greedy' }],
  [`speculative k=${k}`, { strategy: 'speculative', draft: draftId, k, adaptiveK: false, verification: 'greedy' }],
  [`speculative adaptive k from ${k}`, { strategy: 'speculative', draft: draftId, k, adaptiveK: true, verification: 'greedy' }],
  [`prompt lookup k=${k}`, { strategy: 'prompt-lookup', ngram: 3, k }],
];
bench.header(
  `${model} (KV ${kvLayout ?? 'concat'}) + draft ${draftId}, fp32, ${threads} threads, ${maxNewTokens} new tokens, ${prompts.length} prompts, ${reps} rotated reps (1 warmup)`,
);

type Sample = { tokPerS: number | null; drafted: number; accepted: number; forwards: number; tokens: number; ids: string };
const runOnce = async (config: Decoding, prompt: string): Promise<Sample> => {
  const strategy = createStrategy(config, { target: target.session, draft: draft.session, useCache: true });
  const g = await generate(target.tokenizer, prompt, { maxNewTokens, strategy, eosTokenIds: [] });
  const s = g.strategyStats;
  const n = g.outputTokenIds.length;
  return {
    tokPerS: e2eTokPerS(g),
    drafted: s?.draftTokens ?? 0,
    accepted: s?.acceptedTokens ?? 0,
    forwards: s?.targetForwards ?? n,
    tokens: n,
    ids: g.outputTokenIds.join(','),
  };
};

const samples = new Map<string, Sample[]>(sides.map(([name]) => [name, []]));
for (const [p, prompt] of prompts.entries()) {
  const perPrompt = await runRotated(
    sides.map(([name, c]) => [name, () => runOnce(c, prompt)] as const),
    { reps, warmup: p === 0 ? 1 : 0, onRep: (r) => console.log(`  prompt ${p + 1}, rep ${r + 1}/${reps} done`) },
  );
  for (const [name, list] of perPrompt) samples.get(name)?.push(...list);
}
const baseList = (samples.get(sides[0]?.[0] as string) ?? []).map((s) => s.tokPerS);
const greedyIds = (samples.get(sides[0]?.[0] as string) ?? []).map((s) => s.ids);
const rows = sides.map(([name]) => {
  const list = samples.get(name) ?? [];
  const sum = (f: (s: Sample) => number) => list.reduce((a, s) => a + f(s), 0);
  return {
    side: name,
    'tok/s': medianCi(
      list.map((s) => s.tokPerS),
      'no runs',
    ),
    'ratio vs target-only': ratioCi(
      baseList,
      list.map((s) => s.tokPerS),
      'no runs',
    ),
    acceptance: sum((s) => s.drafted) > 0 ? (sum((s) => s.accepted) / sum((s) => s.drafted)).toFixed(3) : '-',
    'accepted/fwd': (sum((s) => s.accepted) / sum((s) => s.forwards)).toFixed(2),
    'fwd/token': (sum((s) => s.forwards) / sum((s) => s.tokens)).toFixed(3),
    'same tokens as greedy': list.every((s, i) => s.ids === greedyIds[i]) ? 'yes' : 'NO',
  };
});
bench.table(`${model} + ${draftId}: speculative decoding`, rows, [
  'tok/s = N_out / E2EL per request (seed table definition), medians over reps × prompts [95% bootstrap CI]; acceptance = accepted / drafted tokens.',
]);
bench.finish();
await pool.clear();
