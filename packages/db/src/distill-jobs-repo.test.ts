import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDistillRequest } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDistillJob,
  getDistillJob,
  listDistillJobs,
  markDistillRunning,
  recordDistillFailure,
  recordDistillProgress,
  recordDistillResult,
} from './distill-jobs-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-db-distill-'));
  handle = openDb(join(dir, 'inferlab.sqlite')); // every migration, 0004_distill_jobs included
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = parseDistillRequest({ model: 'forge:gpt2-tiny', layers: [1] });
const result = {
  distillId: 'd1',
  workerId: 'w1',
  version: '20261129T053000Z-0badc0de',
  modelSha256: 'ab'.repeat(32),
  metrics: [{ layer: 1, untrainedKd: 0.002, trainedKd: 0.0003 }],
  corpus: { id: 'pd-mix-v1', source: 's', trainTokens: 644, heldOutTokens: 180 },
  trainSeconds: 4.2,
  at: '2026-11-29T05:40:00.000Z',
};

describe('distill jobs repository', () => {
  it('moves queued → running → done and never changes a done job; a retry bumps the attempt', () => {
    const { db } = handle;
    expect(createDistillJob(db, { id: 'd1', request, createdAt: '2026-11-29T05:30:00.000Z' }).status).toBe('queued');
    // Inserting the same id again is a no-op (a resubmitted api request with a fixed id).
    createDistillJob(db, { id: 'd1', request: { ...request, epochs: 99 }, createdAt: '2026-11-29T06:00:00.000Z' });
    expect(getDistillJob(db, 'd1')?.request.epochs).toBe(8);
    expect(markDistillRunning(db, { distillId: 'd1', attempt: 1, workerId: 'w1', at: '2026-11-29T05:31:00.000Z' })).toEqual({
      updated: true,
    });
    recordDistillProgress(db, { distillId: 'd1', attempt: 1, progress: { phase: 'train', step: 2, totalSteps: 8, epoch: 1 } });
    expect(recordDistillFailure(db, { distillId: 'd1', attempt: 1, workerId: 'w1', reason: 'crash', final: false })).toEqual({
      updated: true,
    });
    expect(getDistillJob(db, 'd1')).toMatchObject({ status: 'queued', error: 'crash' });
    markDistillRunning(db, { distillId: 'd1', attempt: 2, workerId: 'w2', at: '2026-11-29T05:35:00.000Z' });
    expect(
      recordDistillProgress(db, { distillId: 'd1', attempt: 1, progress: { phase: 'train', step: 7, totalSteps: 8, epoch: 2 } }),
    ).toEqual({
      updated: false,
      reason: 'stale-attempt',
    });
    expect(recordDistillResult(db, { ...result, attempt: 2 })).toEqual({ updated: true });
    expect(getDistillJob(db, 'd1')).toMatchObject({
      status: 'done',
      attempt: 2,
      version: result.version,
      error: null,
      progress: { step: 8 },
    });
    expect(recordDistillFailure(db, { distillId: 'd1', attempt: 3, workerId: 'w1', reason: 'late', final: true })).toEqual({
      updated: false,
      reason: 'already-done',
    });
    expect(recordDistillResult(db, { ...result, distillId: 'nope', attempt: 1 })).toEqual({ updated: false, reason: 'unknown-job' });
  });

  it('lists newest first, per model', () => {
    const { db } = handle;
    createDistillJob(db, { id: 'a', request, createdAt: '2026-11-29T05:30:00.000Z' });
    createDistillJob(db, { id: 'b', request: { ...request, model: 'forge:gpt2-mini' }, createdAt: '2026-11-29T05:31:00.000Z' });
    createDistillJob(db, { id: 'c', request, createdAt: '2026-11-29T05:32:00.000Z' });
    expect(listDistillJobs(db).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(listDistillJobs(db, { model: 'forge:gpt2-tiny' }).map((r) => r.id)).toEqual(['c', 'a']);
  });
});
