import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainRequest } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DbHandle, openDb } from './open-db.ts';
import {
  cancelQueuedTrainJob,
  createTrainJob,
  getTrainJob,
  markTrainRunning,
  recordTrainFailure,
  recordTrainProgress,
  recordTrainResult,
} from './train-jobs-repo.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-db-train-'));
  handle = openDb(join(dir, 'inferlab.sqlite')); // every migration, 0008_train_jobs included
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = parseTrainRequest({ shape: { family: 'gpt2', nLayer: 1, nHead: 2, nEmbd: 16 }, steps: 4 });
const p = (step: number, heldOutLoss?: number) => ({
  step,
  totalSteps: 4,
  trainLoss: 10 - step,
  ...(heldOutLoss === undefined ? {} : { heldOutLoss }),
  tokensSeen: step * 100,
  tokensPerSecond: 50,
  etaSeconds: 1,
});

describe('train jobs', () => {
  it('keeps the curve across a resumed attempt (points from the resume step on replace the old ones) and publishes once', () => {
    const db = handle.db;
    createTrainJob(db, { id: 't1', request, createdAt: '2026-12-03T09:00:00.000Z' });
    markTrainRunning(db, { trainId: 't1', attempt: 1, workerId: 'w', at: '2026-12-03T09:00:01.000Z' });
    for (const s of [1, 2, 3]) recordTrainProgress(db, { trainId: 't1', attempt: 1, progress: p(s, s === 2 ? 7.5 : undefined) });
    recordTrainFailure(db, { trainId: 't1', attempt: 1, workerId: 'w', reason: 'killed', final: false, cancelled: false });
    expect(getTrainJob(db, 't1')).toMatchObject({ status: 'queued', error: 'killed' });
    // Attempt 2 resumed from the step-2 checkpoint: step 3 comes again.
    recordTrainProgress(db, { trainId: 't1', attempt: 2, progress: p(3) });
    expect(recordTrainProgress(db, { trainId: 't1', attempt: 1, progress: p(4) })).toEqual({ updated: false, reason: 'stale-attempt' });
    recordTrainProgress(db, { trainId: 't1', attempt: 2, progress: p(4, 6) });
    expect(getTrainJob(db, 't1')?.curve.map((c) => c.step)).toEqual([1, 2, 3, 4]);
    const outcome = {
      modelId: 'dir:/m/trained/x/v',
      version: 'v',
      steps: 4,
      tokensSeen: 400,
      heldOutLoss: 6,
      heldOutPerplexity: 403,
      trainSeconds: 2,
    };
    recordTrainResult(db, { trainId: 't1', attempt: 2, workerId: 'w', at: '2026-12-03T09:01:00.000Z', ...outcome });
    expect(getTrainJob(db, 't1')).toMatchObject({ status: 'done', modelId: outcome.modelId, outcome });
    expect(recordTrainFailure(db, { trainId: 't1', attempt: 3, workerId: 'w', reason: 'late', final: true, cancelled: false })).toEqual({
      updated: false,
      reason: 'finished',
    });
  });

  it('cancels only a queued job; a cancelled report ends a running one', () => {
    const db = handle.db;
    createTrainJob(db, { id: 't2', request, createdAt: '2026-12-03T09:00:00.000Z' });
    createTrainJob(db, { id: 't3', request, createdAt: '2026-12-03T09:00:00.000Z' });
    expect(cancelQueuedTrainJob(db, 't2')).toBe(true);
    markTrainRunning(db, { trainId: 't3', attempt: 1, workerId: 'w', at: '2026-12-03T09:00:01.000Z' });
    expect(cancelQueuedTrainJob(db, 't3')).toBe(false);
    recordTrainFailure(db, { trainId: 't3', attempt: 1, workerId: 'w', reason: 'cancelled at step 2', final: true, cancelled: true });
    expect(getTrainJob(db, 't3')).toMatchObject({ status: 'cancelled', error: 'cancelled at step 2' });
  });
});
