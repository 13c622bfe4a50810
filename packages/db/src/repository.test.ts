import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getCellTokens } from './cell-tokens.ts';
import { getCell, markCellRunning, recordCellFailure } from './cells-repo.ts';
import { createExperiment, getExperiment, listExperiments } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';
import { listWorkers, upsertWorkerHeartbeat } from './workers-repo.ts';

let dir: string;
let handle: DbHandle;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-db-'));
  handle = openDb(join(dir, 'nested', 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const matrix = parseMatrix({
  name: 'repo test',
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['a', 'b'],
  repetitions: 2,
  warmup: 0,
});

function seed(id = 'exp-1') {
  const cells = expandMatrix(id, matrix);
  createExperiment(handle.db, { id, name: matrix.name, matrix, cells });
  return cells;
}

describe('openDb', () => {
  it('creates the folder, applies migrations and sets the pragmas', () => {
    const tables = handle.sqlite.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['cells', 'experiments', 'requests', 'token_events', 'workers']));
    expect(handle.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(handle.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('reopens an existing file without reapplying migrations', () => {
    seed();
    handle.close();
    handle = openDb(join(dir, 'nested', 'inferlab.sqlite'));
    expect(listExperiments(handle.db)).toHaveLength(1);
  });
});

describe('experiments', () => {
  it('stores an experiment with its cells and reports progress', () => {
    const cells = seed();
    const view = getExperiment(handle.db, 'exp-1');
    expect(view).toMatchObject({
      id: 'exp-1',
      name: 'repo test',
      status: 'queued',
      progress: { total: 2, queued: 2, running: 0, done: 0, failed: 0, cancelled: 0 },
    });
    expect(view?.matrix).toEqual(matrix);
    expect(view?.cells.map((c) => c.id)).toEqual(cells.map((c) => c.id));
    expect(getExperiment(handle.db, 'nope')).toBeNull();
    expect(listExperiments(handle.db)).toEqual([expect.objectContaining({ id: 'exp-1', progress: expect.objectContaining({ total: 2 }) })]);
  });

  it('rolls back the whole experiment when a cell cannot be inserted', () => {
    const cells = expandMatrix('exp-2', matrix);
    const duplicated = [...cells, { ...cells[0]!, index: 99 }];
    expect(() => createExperiment(handle.db, { id: 'exp-2', name: 'x', matrix, cells: duplicated })).toThrow();
    expect(getExperiment(handle.db, 'exp-2')).toBeNull();
  });
});

describe('recordCellResult', () => {
  it('stores requests and token events once, however often the result arrives', () => {
    const [cell] = seed();
    const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'exp-1', config: cell!.config });
    expect(recordCellResult(handle.db, result)).toEqual({ recorded: true, requests: 4, tokenEvents: 11 });
    expect(recordCellResult(handle.db, result)).toEqual({ recorded: false, reason: 'already-done' });
    expect(recordCellResult(handle.db, { ...result, attempt: 2 })).toEqual({ recorded: false, reason: 'already-done' });
    const count = (table: string) => handle.sqlite.prepare(`select count(*) from ${table}`).pluck().get();
    expect(count('requests')).toBe(4);
    expect(count('token_events')).toBe(11);
    expect(getCell(handle.db, cell!.id)).toMatchObject({ status: 'done', attempt: 1, modelFileBytes: 3.5 * 2 ** 20, wallMs: 196 });
    expect(getExperiment(handle.db, 'exp-1')?.status).toBe('running'); // one of two cells done
  });

  it('takes no late result once the cell is final or a newer attempt runs (a worker that lost its lock)', () => {
    const [failed, stale] = seed();
    const at = new Date().toISOString();
    // BullMQ gave up on attempt 3 (stalled while the worker was frozen); then that worker woke and reported.
    markCellRunning(handle.db, { cellId: failed!.id, attempt: 3, workerId: 'frozen', at });
    recordCellFailure(handle.db, { cellId: failed!.id, attempt: 3, reason: 'job stalled more than allowable limit', final: true });
    const late = syntheticCellResult({ cellId: failed!.id, experimentId: 'exp-1', config: failed!.config, attempt: 3 });
    expect(recordCellResult(handle.db, late)).toEqual({ recorded: false, reason: 'already-failed' });
    // Attempt 2 took over from attempt 1: attempt 1's result is stale.
    markCellRunning(handle.db, { cellId: stale!.id, attempt: 2, workerId: 'second', at });
    const old = syntheticCellResult({ cellId: stale!.id, experimentId: 'exp-1', config: stale!.config, attempt: 1 });
    expect(recordCellResult(handle.db, old)).toEqual({ recorded: false, reason: 'stale-attempt' });
    expect(handle.sqlite.prepare('select count(*) from requests').pluck().get()).toBe(0);
    expect(getCell(handle.db, failed!.id)).toMatchObject({ status: 'failed', attempt: 3 });
    expect(getCell(handle.db, stale!.id)).toMatchObject({ status: 'running', attempt: 2 });
  });

  it('stores per-request metrics as columns, queryable in SQL', () => {
    const [cell] = seed();
    recordCellResult(handle.db, syntheticCellResult({ cellId: cell!.id, experimentId: 'exp-1', config: cell!.config }));
    const rows = handle.sqlite
      .prepare('select n_out, ttft_ms, e2el_ms, tpot_ms from requests order by repetition, prompt_index')
      .raw()
      .all();
    // (E2EL − TTFT) / (N_out − 1): 20/2, 30/3, 20/2, 40/1
    expect(rows).toEqual([
      [3, 10, 30, 10],
      [4, 20, 50, 10],
      [3, 12, 32, 10],
      [2, 16, 56, 40],
    ]);
    const tokens = getCellTokens(handle.db, cell!.id);
    expect(tokens?.requests[1]).toMatchObject({
      repetition: 0,
      promptIndex: 1,
      startedAt: 40,
      events: [
        { t: 20, n: 1 },
        { t: 30, n: 2 },
        { t: 50, n: 1 },
      ],
    });
    expect(getCellTokens(handle.db, 'nope')).toBeNull();
  });

  it('stores a large cell (20,000 token events) in one transaction', () => {
    const [cell] = seed();
    const requests = Array.from({ length: 100 }, (_, i) => ({
      repetition: Math.floor(i / 2),
      promptIndex: i % 2,
      startedAt: i * 1000,
      events: Array.from({ length: 200 }, (_, k) => ({ t: 5 + k * 2, n: 1 })),
    }));
    const outcome = recordCellResult(
      handle.db,
      syntheticCellResult({ cellId: cell!.id, experimentId: 'exp-1', config: cell!.config, requests }),
    );
    expect(outcome).toEqual({ recorded: true, requests: 100, tokenEvents: 20_000 });
    expect(handle.sqlite.prepare('select count(*), sum(n) from token_events').raw().get()).toEqual([20_000, 20_000]);
  });

  it('ignores a result for an unknown cell', () => {
    const [cell] = seed();
    const result = syntheticCellResult({ cellId: 'missing', experimentId: 'exp-1', config: cell!.config });
    expect(recordCellResult(handle.db, result)).toEqual({ recorded: false, reason: 'unknown-cell' });
  });
});

describe('cell state', () => {
  it('moves queued → running → done and never back', () => {
    const [cell] = seed();
    const id = cell!.id;
    expect(markCellRunning(handle.db, { cellId: id, attempt: 1, workerId: 'w1', at: '2025-01-01T00:00:00.000Z' })).toEqual({
      updated: true,
    });
    expect(getCell(handle.db, id)).toMatchObject({ status: 'running', workerId: 'w1', startedAt: '2025-01-01T00:00:00.000Z' });
    recordCellResult(handle.db, syntheticCellResult({ cellId: id, experimentId: 'exp-1', config: cell!.config }));
    expect(markCellRunning(handle.db, { cellId: id, attempt: 2, workerId: 'w2', at: '2025-01-01T00:01:00.000Z' })).toEqual({
      updated: false,
      reason: 'already-done',
    });
    expect(recordCellFailure(handle.db, { cellId: id, attempt: 2, reason: 'boom', final: true })).toEqual({
      updated: false,
      reason: 'already-done',
    });
    expect(getCell(handle.db, id)).toMatchObject({ status: 'done', error: null, workerId: 'worker-test' });
  });

  it('keeps a retried cell queued with its last error, and fails it on the final attempt', () => {
    const [cell, other] = seed();
    const id = cell!.id;
    markCellRunning(handle.db, { cellId: id, attempt: 1, workerId: 'w1', at: '2025-01-01T00:00:00.000Z' });
    recordCellFailure(handle.db, { cellId: id, attempt: 1, reason: 'OOM', final: false });
    expect(getCell(handle.db, id)).toMatchObject({ status: 'queued', error: 'OOM', attempt: 1 });
    // A start from an older attempt arriving late changes nothing.
    markCellRunning(handle.db, { cellId: id, attempt: 3, workerId: 'w1', at: '2025-01-01T00:00:02.000Z' });
    expect(markCellRunning(handle.db, { cellId: id, attempt: 2, workerId: 'w1', at: '2025-01-01T00:00:01.000Z' })).toEqual({
      updated: false,
      reason: 'stale-attempt',
    });
    recordCellFailure(handle.db, { cellId: id, attempt: 3, reason: 'OOM again', final: true });
    expect(getCell(handle.db, id)).toMatchObject({ status: 'failed', error: 'OOM again', attempt: 3 });
    expect(markCellRunning(handle.db, { cellId: id, attempt: 4, workerId: 'w1', at: '2025-01-01T00:00:03.000Z' })).toMatchObject({
      updated: false,
    });

    recordCellResult(handle.db, syntheticCellResult({ cellId: other!.id, experimentId: 'exp-1', config: other!.config }));
    expect(getExperiment(handle.db, 'exp-1')).toMatchObject({ status: 'failed', progress: { total: 2, done: 1, failed: 1 } });
  });
});

describe('workers', () => {
  it('upserts heartbeats by worker id', () => {
    const worker = {
      id: 'w1',
      host: 'h',
      deviceClass: 'cpu' as const,
      executionProvider: 'cpu',
      threads: 2,
      pid: 42,
      versions: { node: 'v20' },
      startedAt: '2025-01-01T00:00:00.000Z',
    };
    upsertWorkerHeartbeat(handle.db, { worker, currentCellId: null, at: '2025-01-01T00:00:05.000Z' });
    upsertWorkerHeartbeat(handle.db, { worker: { ...worker, pid: 43 }, currentCellId: 'c1', at: '2025-01-01T00:00:10.000Z' });
    expect(listWorkers(handle.db)).toEqual([{ ...worker, pid: 43, currentCellId: 'c1', lastHeartbeatAt: '2025-01-01T00:00:10.000Z' }]);
  });
});
