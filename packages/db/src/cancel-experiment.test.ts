import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { cancelExperiment } from './cancel-experiment.ts';
import { markCellRunning, recordCellFailure } from './cells-repo.ts';
import { createExperiment, getExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-cancel-db-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [1, 2, 3], repetitions: 2, warmup: 0 });

describe('cancelExperiment', () => {
  it('cancels queued and running cells, keeps finished ones, and says which was which', () => {
    const cells = expandMatrix('e', matrix);
    createExperiment(handle.db, { id: 'e', name: 'x', matrix, cells });
    const [done, running, queued] = cells as [(typeof cells)[0], (typeof cells)[0], (typeof cells)[0]];
    recordCellResult(handle.db, syntheticCellResult({ cellId: done.id, experimentId: 'e', config: done.config }));
    markCellRunning(handle.db, { cellId: running.id, attempt: 1, workerId: 'w', at: new Date().toISOString() });

    const outcome = cancelExperiment(handle.db, 'e', '2026-11-29T00:00:00.000Z');
    expect(outcome).toEqual({ found: true, queued: [queued.id], running: [running.id] });
    const view = getExperiment(handle.db, 'e')!;
    expect(view.status).toBe('cancelled');
    expect(view.progress).toMatchObject({ total: 3, done: 1, cancelled: 2, running: 0, queued: 0 });
    expect(view.cells.find((c) => c.id === queued.id)?.error).toBe('cancelled at 2026-11-29T00:00:00.000Z');

    // A cancelled cell is not restarted nor failed by late messages...
    expect(markCellRunning(handle.db, { cellId: queued.id, attempt: 2, workerId: 'w', at: new Date().toISOString() })).toEqual({
      updated: false,
      reason: 'cancelled',
    });
    expect(recordCellFailure(handle.db, { cellId: running.id, attempt: 1, reason: 'x', final: true })).toEqual({
      updated: false,
      reason: 'cancelled',
    });
    // ...nor turned done by a result that still arrives: a finished experiment's cells keep their states.
    expect(recordCellResult(handle.db, syntheticCellResult({ cellId: running.id, experimentId: 'e', config: running.config }))).toEqual({
      recorded: false,
      reason: 'cancelled',
    });
    expect(getExperiment(handle.db, 'e')!.progress).toMatchObject({ done: 1, cancelled: 2 });
  });

  it('reports an unknown experiment', () => {
    expect(cancelExperiment(handle.db, 'nope')).toEqual({ found: false });
  });
});
