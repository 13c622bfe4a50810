// Scale-out on this machine, both sides in one run:
//  1. cells/minute with 1 and with 2 CPU workers (same matrix, fresh platform each), and the ratio;
//  2. the api's latency for GET /v1/experiments/:id/results with 1,000 recorded cells, under
//     concurrent load on loopback (p50/p99 over the requests).
// npm run bench:scaling -- [--cells 12] [--requests 100] [--concurrency 4]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forgeModel } from '@inferlab/core';
import { openDb, recordCellResult } from '@inferlab/db';
import { percentile, sortedCopy } from '@inferlab/experiments';
import { startPlatform } from '../scripts/lib/platform.ts';
import { postJson, waitForExperiment } from '../test/helpers/api-client.ts';
import { syntheticCellResult } from '../test/helpers/synthetic-result.ts';
import { flag, loadAverage, table } from './lib.ts';

const cells = Number(flag('--cells', '12'));
const requests = Number(flag('--requests', '100'));
const concurrency = Number(flag('--concurrency', '4'));
const modelsDir = resolve('data/models');
await forgeModel('gpt2-mini', { cacheDir: modelsDir });

async function cellsPerMinute(workers: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-scaling-'));
  const platform = await startPlatform({ dataDir, workers, env: { INFERLAB_MODELS_DIR: modelsDir } });
  try {
    // One thread per cell: two workers use both cores, as two machines' workers would use theirs.
    const matrix = {
      models: ['forge:gpt2-mini'],
      variants: [{ dtype: 'fp32', cache: true }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: Array.from({ length: cells }, (_, i) => 24 + i),
      threads: [1],
      repetitions: 20,
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
      if (/error|fail|crash/i.test(line)) console.error(`  [${src}] ${line}`);
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

console.log(`load average before: ${loadAverage()}`);
console.log(`scaling: ${cells} cells of forge:gpt2-mini (1 thread each, 20 measured + 1 warmup generations)`);
if (!process.argv.includes('--api-only')) {
  const one = await cellsPerMinute(1);
  const two = await cellsPerMinute(2);
  console.log(
    table([
      { workers: 1, 'cells/min': one, ratio: 1 },
      { workers: 2, 'cells/min': two, ratio: two / one },
    ]),
  );
}
const api = await resultsLatency();
console.log(`\nGET /v1/experiments/:id/results with ${api.cells} recorded cells, ${api.n} requests at concurrency ${concurrency}:`);
console.log(`  first request (computes every summary): ${api.coldMs.toFixed(0)} ms`);
console.log(
  `  then p50 ${api.p50.toFixed(1)} ms, p99 ${api.p99.toFixed(1)} ms (linear interpolation; p99 of ${api.n} samples is near the max)`,
);
console.log(`load average after: ${loadAverage()}`);
