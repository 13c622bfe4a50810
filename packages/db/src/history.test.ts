import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { createExperiment } from './experiments-repo.ts';
import { historyKey, historyOfKey, latestRegressions, listHistoryKeys } from './history.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

// Runs of one configuration over time: each run is a separate experiment of the same matrix whose
// token timelines are generated with a seeded jitter around a base speed; one run is 1.6× slower.

const dir = mkdtempSync(join(tmpdir(), 'inferlab-history-'));
let handle: DbHandle;
beforeAll(() => {
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [8], repetitions: 10, warmup: 0 });

/** 20 requests (10 repetitions × 2 prompts) of 8 tokens; TTFT ≈ 20·slow ms, gaps ≈ 10·slow ms, ±3% seeded jitter. */
function timelines(seed: number, slow: number) {
  let s = seed * 0x9e3779b9;
  const jitter = () => {
    // mulberry32: independent streams for neighbouring seeds
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return 1 + ((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * 2 - 1) * 0.03;
  };
  return Array.from({ length: 20 }, (_, i) => {
    let t = 20 * slow * jitter();
    const events = [{ t, n: 1 }];
    for (let k = 1; k < 8; k++) {
      t += 10 * slow * jitter();
      events.push({ t, n: 1 });
    }
    return { repetition: Math.floor(i / 2), promptIndex: i % 2, startedAt: i * 1000, events };
  });
}

let runNo = 0;
/** One experiment of the matrix, its cell recorded as measured on `host`, finished at a given minute. */
function run(host: string, slow: number): string {
  runNo += 1;
  const id = `exp-${runNo}`;
  const [cell] = expandMatrix(id, matrix);
  createExperiment(handle.db, { id, name: `run ${runNo}`, matrix, cells: [cell!] });
  const result = syntheticCellResult({ cellId: cell!.id, experimentId: id, config: cell!.config, requests: timelines(runNo, slow) });
  recordCellResult(handle.db, { ...result, environment: { ...result.environment, host, gitCommit: `${runNo}`.padStart(40, '0') } });
  // Distinct, ordered finish times (the recorder stamps "now"; several runs land in one millisecond here).
  handle.sqlite.prepare('update cells set finished_at = ? where id = ?').run(`2026-12-0${Math.min(runNo, 9)}T10:00:00.000Z`, cell!.id);
  return cell!.id;
}

describe('history', () => {
  let ids: string[];
  beforeAll(() => {
    // host-a: four runs within noise, then one 1.6× slower; host-b: two runs.
    ids = [run('host-a', 1), run('host-a', 1), run('host-a', 1), run('host-a', 1), run('host-a', 1.6), run('host-b', 1), run('host-b', 1)];
  });

  it('groups runs of one configuration into one key, one series per hardware', () => {
    const keys = listHistoryKeys(handle.db);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ model: 'forge:gpt2-tiny', runs: 7, lastRunAt: '2026-12-07T10:00:00.000Z' });
    expect(keys[0]?.hardware.map((h) => h.host).sort()).toEqual(['host-a', 'host-b']);
    expect(keys[0]?.config).not.toHaveProperty('repetitions');
    const series = historyOfKey(handle.db, keys[0]!.key);
    expect(series.map((s) => [s.hardware.host, s.runs.length])).toEqual([
      ['host-a', 5],
      ['host-b', 2],
    ]);
    const a = series[0]!;
    expect(a.runs.map((r) => r.cellId)).toEqual(ids.slice(0, 5));
    expect(a.runs[1]?.previousCellId).toBe(ids[0]);
    expect(a.runs[0]?.gitCommit).toBe('1'.padStart(40, '0'));
    // Medians with CIs: TTFT ≈ 20 ms for the base runs, ≈ 32 ms for the slow one.
    expect(a.runs[0]?.metrics.ttft?.median).toBeCloseTo(20, 0);
    expect(a.runs[4]?.metrics.ttft?.median).toBeGreaterThan(31);
    expect(a.runs[4]?.metrics.ttft?.median).toBeLessThan(33);
    const ci = a.runs[0]?.metrics.e2el?.ci;
    expect(ci && ci.lo <= (a.runs[0]?.metrics.e2el?.median as number) && ci.hi >= (a.runs[0]?.metrics.e2el?.median as number)).toBe(true);
  });

  it('flags the slower run and not the runs within noise', () => {
    const [key] = listHistoryKeys(handle.db);
    const [a, b] = historyOfKey(handle.db, key!.key);
    expect(a!.runs.slice(0, 4).map((r) => r.regression)).toEqual([null, null, null, null]);
    const flagged = a!.runs[4]!.regression;
    expect(flagged?.previousCellId).toBe(ids[3]);
    expect(flagged?.slower.map((s) => s.metric).sort()).toEqual(['e2el', 'tokensPerS', 'tpot', 'ttft']);
    const e2el = flagged?.slower.find((s) => s.metric === 'e2el');
    expect(e2el?.ratio).toBeGreaterThan(1.5);
    expect(e2el?.noiseFloor).not.toBeNull(); // judged against the A/A pairs of host-a's other runs
    expect(e2el?.noiseFloor as number).toBeLessThan(0.1);
    expect(b!.runs.map((r) => r.regression)).toEqual([null, null]);
    expect(latestRegressions(handle.db).map((r) => r.cellId)).toEqual([ids[4]]);
  });

  it('keys on what changes the measurement, not on how often it is repeated', () => {
    const [cell] = expandMatrix('x', matrix);
    const more = expandMatrix('y', parseMatrix({ ...matrix, repetitions: 3 }))[0]!;
    const other = expandMatrix('z', parseMatrix({ ...matrix, maxNewTokens: [9] }))[0]!;
    expect(historyKey(more.config, 'f'.repeat(64))).toBe(historyKey(cell!.config, 'f'.repeat(64)));
    expect(historyKey(other.config, 'f'.repeat(64))).not.toBe(historyKey(cell!.config, 'f'.repeat(64)));
    expect(historyKey(cell!.config, 'e'.repeat(64))).not.toBe(historyKey(cell!.config, 'f'.repeat(64)));
  });
});
