// Scale-out on this machine, both sides in one run:
//  1. cells/minute with 1 and with 2 CPU workers (same matrix, fresh platform each), the sides in
//     ABBA order over --reps, and the ratio with its CI;
//  2. the api's latency for GET /v1/experiments/:id/results with 1,000 recorded cells, under
//     concurrent load on loopback (p50/p99 over the requests).
// npm run bench:scaling -- [--cells 12] [--repetitions 20] [--reps 1] [--requests 100] [--concurrency 4] [--api-only] [--json file]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgeModel } from '@inferlab/core';
import { openDb, recordCellResult } from '@inferlab/db';
import { modelsDirFromEnv, percentile, sortedCopy } from '@inferlab/experiments';
import { startPlatform } from '../scripts/lib/platform.ts';
import { postJson, waitForExperiment } from '../test/helpers/api-client.ts';
import { syntheticCellResult } from '../test/helpers/synthetic-result.ts';
import { Bench, medianCi, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'scaling',
  summary: 'cells/minute with 1 and 2 CPU workers; api latency of GET /v1/experiments/:id/results with 1,024 recorded cells.',
  options: {
    model: { type: 'string', default: 'gpt2-mini', description: 'forge model the cells run' },
    cells: { type: 'string', default: '12', description: 'cells per measured experiment' },
    repetitions: { type: 'string', default: '20', description: 'measured generations per cell' },
    reps: { type: 'string', default: '1', description: 'experiments per worker count (ABBA order)' },
    requests: { type: 'string', default: '100', description: 'results requests for the latency part' },
    concurrency: { type: 'string', default: '4', description: 'concurrent results requests' },
    'api-only': { type: 'boolean', description: 'skip the workers part' },
  },
});
const model = bench.str('model');
const cells = bench.int('cells');
const repetitions = bench.int('repetitions');
const reps = bench.int('reps');
const requests = bench.int('requests');
const concurrency = bench.int('concurrency');
const modelsDir = modelsDirFromEnv(process.env);
await forgeModel(model, { cacheDir: modelsDir });

async function cellsPerMinute(workers: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-scaling-'));
  const platform = await startPlatform({ dataDir, workers, env: { INFERLAB_MODELS_DIR: modelsDir } });
  try {
    // One thread per cell: two workers use both cores, as two machines' workers would use theirs.
    const matrix = {
      models: [`forge:${model}`],
      variants: [{ dtype: 'fp32', cache: true }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: Array.from({ length: cells }, (_, i) => 24 + i),
      threads: [1],
      repetitions,
      warmup: 1,
    };
    const t0 = performance.now();
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, matrix);
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    const done = await waitForExperiment(platform.apiUrl, created.body.id, 600_000);
    const minutes = (performance.now() - t0) / 60_000;
    if (done.progress.done !== cells) throw new Error(`only ${done.progress.done}/${cells} cells done`);
    return cells / minutes;
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function resultsLatency(): Promise<{ coldMs: number; p50: number; p99: number; n: number; cells: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-scaling-api-'));
  const platform = await startPlatform({
    dataDir,
    workers: 0,
    env: { MAX_CELLS: '2000' },
    log: (src, line) => {
      if (/error|fail|crash|level":[56]0/i.test(line)) console.error(`  [${src}] ${line}`);
    },
  });
  try {
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      prompts: Array.from({ length: 10 }, (_, i) => `prompt ${i}`),
      // 16 lengths × 16 thread counts × 4 variants = 1,024 cells (never run: results are synthetic).
      maxNewTokens: Array.from({ length: 16 }, (_, i) => i + 1),
      threads: Array.from({ length: 16 }, (_, i) => i + 1),
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
        { dtype: 'fp32', cache: false },
        { dtype: 'int8', cache: false },
      ],
      repetitions: 1,
      warmup: 0,
    });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    const handle = openDb(join(dataDir, 'inferlab.sqlite'));
    for (const cell of created.body.cells as { id: string; config: never }[]) {
      recordCellResult(handle.db, syntheticCellResult({ cellId: cell.id, experimentId: created.body.id, config: cell.config }));
    }
    handle.close();
    const url = `${platform.apiUrl}/v1/experiments/${created.body.id}/results`;
    // The first request computes every cell's summary; later ones are served from the api's cache.
    const coldStart = performance.now();
    await fetch(url).then((r) => r.arrayBuffer());
    const coldMs = performance.now() - coldStart;
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < requests) {
          const t = performance.now();
          const res = await fetch(url);
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`results: ${res.status}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const sorted = sortedCopy(latencies);
    return { coldMs, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), n: latencies.length, cells: created.body.cells.length };
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

bench.header(
  `scaling: ${cells} cells of forge:${model} (1 thread each, ${repetitions} measured + 1 warmup generations), ${reps} experiment(s) per side`,
);
if (!bench.bool('api-only')) {
  const samples = await runRotated(
    [
      ['1 worker', () => cellsPerMinute(1)],
      ['2 workers', () => cellsPerMinute(2)],
    ],
    { reps, warmup: 0 },
  );
  const [one, two] = [samples.get('1 worker') ?? [], samples.get('2 workers') ?? []];
  bench.table(`cells/minute with 1 and 2 CPU workers (forge:${model})`, [
    { workers: 1, 'cells/min': medianCi(one, 'no runs'), ratio: 1 },
    { workers: 2, 'cells/min': medianCi(two, 'no runs'), ratio: ratioCi(one, two, 'no runs') },
  ]);
}
const api = await resultsLatency();
bench.table(
  `GET /v1/experiments/:id/results with ${api.cells} recorded cells, ${api.n} requests at concurrency ${concurrency}`,
  [
    { request: 'first (computes every summary)', ms: api.coldMs },
    { request: 'then p50', ms: api.p50 },
    { request: 'then p99', ms: api.p99 },
  ],
  ['linear interpolation; p99 of the requests is near their max'],
);
bench.finish();
