// Every weight variant of one model, loaded and run in both engines: our decode loop and
// transformers.js' generate() over the same file, greedy, the same prompt. Prints per variant the
// tokens each engine produced and whether they agree (and how many match fp32's). Not a timing.
// npx tsx scripts/check-variants.ts [--model forge:gpt2-small] [--variants all | int8,q8,…] [--tokens 12] [--threads 2]
import {
  generate,
  greedyStrategy,
  isVariant,
  ModelPool,
  type ResolvedModel,
  resolveModel,
  TransformersJsRunner,
  VARIANTS,
  type Variant,
} from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { flag, table } from '../bench/lib.ts';

const model = flag('--model', 'forge:gpt2-small');
const asked = flag('--variants', 'all');
const tokens = Number(flag('--tokens', '12'));
const threads = Number(flag('--threads', '2'));
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = modelsDirFromEnv(process.env);
const resolveOpts = { modelsDir, modelRoots: [modelsDir] };

const requested = asked === 'all' ? [...VARIANTS] : asked.split(',').map((v) => v.trim());
const unknown = requested.filter((v) => !isVariant(v));
if (unknown.length > 0) {
  console.error(`--variants: unknown ${unknown.join(', ')}; known: all, ${VARIANTS.join(', ')}`);
  process.exit(2);
}
const variants: Variant[] = ['fp32', ...(requested as Variant[]).filter((v) => v !== 'fp32')];

const pool = new ModelPool(1);
let fp32Tokens: number[] = [];
let failures = 0;
const rows: Record<string, string | number>[] = [];
for (const v of variants) {
  const r: ResolvedModel = await resolveModel(model, v, resolveOpts);
  const m = await pool.get(r, { threads, executionProvider: 'cpu' });
  const ours = await generate(m.tokenizer, prompt, {
    maxNewTokens: tokens,
    strategy: greedyStrategy(m.session, { useCache: true }),
    eosTokenIds: [],
  });
  await pool.clear();
  const tj = await TransformersJsRunner.load(r.folder, { dtype: v, threads, device: 'cpu' });
  const theirs = await tj.generate(prompt, { maxNewTokens: tokens, useCache: true, eosTokenIds: [] });
  await tj.release();
  if (v === 'fp32') fp32Tokens = ours.outputTokenIds;
  const same = ours.outputTokenIds.join() === theirs.outputTokenIds.join() && ours.outputTokenIds.length === tokens;
  if (!same) failures++;
  rows.push({
    variant: v,
    file: r.file.slice(r.folder.length + 1),
    'inferlab tokens': ours.outputTokenIds.join(' '),
    'transformers.js': same ? '(same)' : theirs.outputTokenIds.join(' '),
    'engines agree': same ? 'yes' : 'NO',
    'equal to fp32': `${ours.outputTokenIds.filter((t, i) => t === fp32Tokens[i]).length}/${tokens}`,
  });
  console.log(`${v}: ${same ? 'both engines generated the same tokens' : 'ENGINES DIFFER'}`);
}
console.log(`\n${model}, ${tokens} greedy tokens, ${threads} threads\n${table(rows)}`);
process.exit(failures === 0 ? 0 : 1);
