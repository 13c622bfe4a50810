import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HAND_TIMELINE, syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getExperimentResults } from './experiment-results.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-results-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('getExperimentResults', () => {
  it('aggregates stored timelines into the numbers worked by hand', () => {
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      variants: [
        { dtype: 'int8', cache: true },
        { dtype: 'fp32', cache: false },
      ],
      prompts: ['a', 'b'],
      repetitions: 2,
      warmup: 0,
    });
    const cells = expandMatrix('exp', matrix);
    createExperiment(handle.db, { id: 'exp', name: 'agg', matrix, cells });
    recordCellResult(
      handle.db,
      syntheticCellResult({ cellId: cells[0]!.id, experimentId: 'exp', config: cells[0]!.config, requests: HAND_TIMELINE }),
    );

    const results = getExperimentResults(handle.db, 'exp');
    expect(results?.experiment).toMatchObject({ id: 'exp', status: 'running', progress: { total: 2, done: 1, queued: 1 } });
    const [done, queued] = results?.cells ?? [];

    // TTFT 10, 20, 12, 16 → sorted 10 12 16 20; h = 3p
    expect(done?.ttft).toMatchObject({ n: 4, mean: 14.5, min: 10, max: 20 });
    expect(done?.ttft?.p50).toBeCloseTo(14, 9); // 12 + .5·4
    expect(done?.ttft?.p90).toBeCloseTo(18.8, 9); // 16 + .7·4
    expect(done?.ttft?.p95).toBeCloseTo(19.4, 9); // 16 + .85·4
    expect(done?.ttft?.p99).toBeCloseTo(19.88, 9); // 16 + .97·4
    // E2EL 30, 50, 32, 56 → sorted 30 32 50 56
    expect(done?.e2el?.p50).toBeCloseTo(41, 9);
    expect(done?.e2el?.p95).toBeCloseTo(55.1, 9);
    expect(done?.e2el?.p99).toBeCloseTo(55.82, 9);
    // TPOT 10, 10, 10, 40
    expect(done?.tpot).toMatchObject({ n: 4, mean: 17.5, p50: 10 });
    expect(done?.tpot?.p95).toBeCloseTo(35.5, 9);
    // ITL: gaps 10 10 | 10 20 | 10 10 | 40 → sorted 10×5 20 40, n = 7, h = 6p
    expect(done?.itl).toMatchObject({ n: 7, p50: 10, ci: null });
    expect(done?.itl?.p90).toBeCloseTo(28, 9); // 20 + .4·20
    expect(done?.itl?.p99).toBeCloseTo(38.8, 9); // 20 + .94·20
    expect(done?.itl?.mean).toBeCloseTo(110 / 7, 9);
    // 12 tokens over [0, 140 + 56 = 196] ms
    expect(done?.throughput.tokensPerS).toBeCloseTo(12 / 0.196, 9);
    expect(done?.throughput.requestsPerS).toBeCloseTo(4 / 0.196, 9);
    expect(done?.throughput.windowMs).toBe(196);

    expect(done?.seed).toMatchObject({
      mode: 'int8 cache in-place',
      dtype: 'int8',
      use_cache: true,
      model_size_MB: 3.5,
      tokens_generated: 3,
    });
    expect(done?.seed?.time_s).toBeCloseTo(0.041, 12); // median E2EL 41 ms
    // N_out / E2EL: 100, 80, 93.75, 35.71… → median (80 + 93.75) / 2
    expect(done?.seed?.tokens_per_s).toBeCloseTo(86.875, 9);
    expect(done?.seed?.p95_ttft_ms).toBeCloseTo(19.4, 9);

    expect(done?.ttft?.ci?.p50.lo).toBeLessThanOrEqual(14);
    expect(done?.ttft?.ci?.p50.hi).toBeGreaterThanOrEqual(14);
    expect(done?.ttft?.ci).toMatchObject({ resamples: 1000, level: 0.95 });
    expect(done).toMatchObject({ status: 'done', peakRssBytes: 123_456_789, kvCacheBytes: 4096, metricsVersion: '1', requests: 4 });
    expect(done?.weightBytes).toEqual({ float32: 1024, int8: 4096 }); // stored with memory, returned beside it
    expect(done?.environment?.cpuModel).toBe('Test CPU');

    expect(queued).toMatchObject({ status: 'queued', requests: 0, seed: null, ttft: null, tpot: null, e2el: null, itl: null });
    expect(getExperimentResults(handle.db, 'exp')).toEqual(results); // seeded: identical on every read
    expect(getExperimentResults(handle.db, 'nope')).toBeNull();
  });
});
