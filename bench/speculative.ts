// Target-only greedy vs speculative decoding (model draft, fixed and adaptive k) vs prompt lookup,
// all sides alternating in one run (noise hits all alike); medians of tokens/s and the acceptance.
// npm run bench:speculative -- [--model forge:gpt2-small] [--draft forge:gpt2-small-draft2] [--k 4] [--reps 3] [--threads 2] [--tokens 48]
import { resolve } from 'node:path';
import { createStrategy, type DecodingConfig, generate, ModelPool, resolveModel } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const draftId = flag('--draft', 'forge:gpt2-small-draft2');
const k = Number(flag('--k', '4'));
const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const maxNewTokens = Number(flag('--tokens', '48'));
const prompts = [
  'Explain briefly why KV caching and quantization help LLM inference.',
  'def add(a, b):\n    return a + b\n\ndef sub(a, b):\n    return a - b\n\ndef mul(a, b):\n',
];
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');
const opts = { modelsDir, modelRoots: [modelsDir] };

const pool = new ModelPool(2);
const target = await pool.get(await resolveModel(model, 'fp32', opts), { threads, executionProvider: 'cpu' });
const draft = await pool.get(await resolveModel(draftId, 'fp32', opts), { threads, executionProvider: 'cpu' });
const sides: [string, DecodingConfig][] = [
  ['target only (greedy)', { strategy: 'greedy' }],
  [`speculative k=${k}`, { strategy: 'speculative', draft: draftId, k, adaptiveK: false, verification: 'greedy' }],
  [`speculative adaptive k from ${k}`, { strategy: 'speculative', draft: draftId, k, adaptiveK: true, verification: 'greedy' }],
  [`prompt lookup k=${k}`, { strategy: 'prompt-lookup', ngram: 3, k }],
];
console.log(
  `${model} + draft ${draftId}, fp32, ${threads} threads, ${maxNewTokens} new tokens, ${prompts.length} prompts, ${reps} alternating reps`,
);
console.log(`load average before: ${loadAverage()}`);

type Sample = { tokPerS: number; drafted: number; accepted: number; forwards: number; tokens: number; ids: string };
const runOnce = async (config: DecodingConfig, prompt: string): Promise<Sample> => {
  const strategy = createStrategy(config, { target: target.session, draft: draft.session, useCache: true });
  const g = await generate(target.tokenizer, prompt, { maxNewTokens, strategy, eosTokenIds: [] });
  const s = g.strategyStats;
  const n = g.outputTokenIds.length;
  return {
    tokPerS: n / ((g.events.at(-1)?.t ?? 0) / 1000),
    drafted: s?.draftTokens ?? 0,
    accepted: s?.acceptedTokens ?? 0,
    forwards: s?.targetForwards ?? n,
    tokens: n,
    ids: g.outputTokenIds.join(','),
  };
};

for (const [, c] of sides) await runOnce(c, prompts[0] as string); // warmup
const samples = new Map<string, Sample[]>(sides.map(([name]) => [name, []]));
for (let r = 0; r < reps; r++) {
  for (const prompt of prompts) for (const [name, c] of sides) samples.get(name)?.push(await runOnce(c, prompt));
  console.log(`  rep ${r + 1}/${reps} done`);
}
const base = median((samples.get(sides[0]?.[0] as string) ?? []).map((s) => s.tokPerS));
const greedyIds = (samples.get(sides[0]?.[0] as string) ?? []).map((s) => s.ids);
const rows = sides.map(([name]) => {
  const list = samples.get(name) ?? [];
  const sum = (f: (s: Sample) => number) => list.reduce((a, s) => a + f(s), 0);
  const tokPerS = median(list.map((s) => s.tokPerS));
  return {
    side: name,
    'tok/s (median)': tokPerS,
    'ratio vs target-only': tokPerS / base,
    acceptance: sum((s) => s.drafted) > 0 ? (sum((s) => s.accepted) / sum((s) => s.drafted)).toFixed(3) : '-',
    'accepted/fwd': (sum((s) => s.accepted) / sum((s) => s.forwards)).toFixed(2),
    'fwd/token': (sum((s) => s.forwards) / sum((s) => s.tokens)).toFixed(3),
    'same tokens as greedy': list.every((s, i) => s.ids === greedyIds[i]) ? 'yes' : 'NO',
  };
});
console.log(`\n${table(rows)}`);
console.log(`load average after: ${loadAverage()}`);
console.log(
  'tok/s = N_out / E2EL per request (seed table definition), medians over reps × prompts; acceptance = accepted / drafted tokens.',
);
await pool.clear();
