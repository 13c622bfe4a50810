// The experiments list at 10,000 experiments: the keyset-paged, filtered list (GET /v1/experiments)
// against the old whole-table list, one SQLite file, sides rotated. Page 1, a deep page and the
// filters should cost about the same; the whole list grows with the table.
// npm run bench:experiment-list -- [--experiments 10000] [--reps 15] [--json file]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExperiment, listExperimentPage, listExperiments, openDb } from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { Bench, medianCi, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'experiment-list',
  summary: 'GET /v1/experiments paging and filters at scale vs listing every experiment.',
  options: {
    experiments: { type: 'string', default: '10000', description: 'experiments in the database (4 cells each)' },
    reps: { type: 'string', default: '15', description: 'measured repetitions per side (rotated)' },
  },
});
const total = bench.int('experiments');
const reps = bench.int('reps');
const dir = mkdtempSync(join(tmpdir(), 'inferlab-bench-list-'));
const handle = openDb(join(dir, 'inferlab.sqlite'));
const models = ['forge:gpt2-tiny', 'forge:gpt2-mini', 'forge:llama-tiny', 'forge:gpt2-small'];
const t0 = performance.now();
handle.sqlite.transaction(() => {
  for (let i = 0; i < total; i++) {
    const matrix = parseMatrix({
      name: `experiment ${i}`,
      models: [models[i % models.length] as string],
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: [`prompt number ${i} about caching`, 'a second prompt'],
      maxNewTokens: [16, 32],
    });
    const id = `exp-${String(i).padStart(6, '0')}`;
    const createdAt = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    createExperiment(handle.db, { id, name: matrix.name, matrix, cells: expandMatrix(id, matrix), createdAt });
  }
})();
bench.header(`${total} experiments × 4 cells seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${reps} rotated repetitions`);

// A cursor deep in the list: walk once (not timed), keep the cursor at ~90%.
let deep: string | undefined;
let walked = 0;
for (let c: string | null | undefined; walked < total * 0.9; ) {
  const page = listExperimentPage(handle.db, { limit: 500, ...(c ? { cursor: c } : {}) });
  walked += page.experiments.length;
  c = page.nextCursor;
  deep = c ?? undefined;
}

const timed = (f: () => unknown) => async () => {
  const start = performance.now();
  f();
  return performance.now() - start;
};
const sides = [
  ['whole list (old)', timed(() => listExperiments(handle.db))],
  ['page 1 (50)', timed(() => listExperimentPage(handle.db))],
  ['deep page (50, ~90%)', timed(() => listExperimentPage(handle.db, { ...(deep ? { cursor: deep } : {}) }))],
  ['model filter', timed(() => listExperimentPage(handle.db, { model: 'forge:llama-tiny' }))],
  ['name search', timed(() => listExperimentPage(handle.db, { name: 'experiment 99' }))],
  ['prompt search (rare)', timed(() => listExperimentPage(handle.db, { prompt: 'number 4242 about' }))],
] as const;
const samples = await runRotated(sides, { reps, warmup: 1 });
const whole = samples.get('whole list (old)') ?? [];
bench.table(
  `experiments list at ${total} experiments (ms per request)`,
  sides.map(([name]) => ({
    request: name,
    ms: medianCi(samples.get(name) ?? [], 'no samples'),
    'whole list / this': ratioCi(samples.get(name) ?? [], whole, 'no samples'),
  })),
  ['"whole list / this" > 1: this request is that many times cheaper than listing every experiment. Medians [95% bootstrap CI].'],
);
bench.finish();
handle.close();
rmSync(dir, { recursive: true, force: true });
