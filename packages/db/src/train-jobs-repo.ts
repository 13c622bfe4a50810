import type { TrainJobRequest, TrainOutcomePayload, TrainProgressPayload } from '@inferlab/experiments';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { trainJobsTable } from './schema.ts';
import { isoNow } from './tx.ts';

// Train jobs (POST /v1/train, POST /v1/distill kind "student"): the api inserts them queued, the
// recorder applies the worker's messages. As for distill jobs: a finished job is never changed, and
// a message from an attempt older than the recorded one is skipped.

export type TrainJobRow = typeof trainJobsTable.$inferSelect;
export type TrainSkipReason = 'unknown-job' | 'finished' | 'stale-attempt';
export type TrainWriteOutcome = { updated: true } | { updated: false; reason: TrainSkipReason };

/** Curve points kept per job: a long run's curve is thinned to every other point past this. */
const MAX_CURVE_POINTS = 2000;

export function createTrainJob(db: Db, input: { id: string; request: TrainJobRequest; createdAt: string }): TrainJobRow {
  db.insert(trainJobsTable)
    .values({ id: input.id, kind: input.request.kind, device: input.request.device, request: input.request, createdAt: input.createdAt })
    .onConflictDoNothing()
    .run();
  return getTrainJob(db, input.id) as TrainJobRow;
}

export function getTrainJob(db: Db, id: string): TrainJobRow | null {
  return db.select().from(trainJobsTable).where(eq(trainJobsTable.id, id)).get() ?? null;
}

/** Newest first. */
export function listTrainJobs(db: Db, limit = 200): TrainJobRow[] {
  return db.select().from(trainJobsTable).orderBy(desc(trainJobsTable.createdAt), desc(trainJobsTable.id)).limit(limit).all();
}

function update(db: Db, id: string, attempt: number, change: (row: TrainJobRow) => Partial<TrainJobRow>): TrainWriteOutcome {
  return db.transaction(
    (tx) => {
      const row = tx.select().from(trainJobsTable).where(eq(trainJobsTable.id, id)).get();
      if (row === undefined) return { updated: false, reason: 'unknown-job' } as const;
      if (row.status === 'done' || row.status === 'failed' || row.status === 'cancelled')
        return { updated: false, reason: 'finished' } as const;
      if (attempt < row.attempt) return { updated: false, reason: 'stale-attempt' } as const;
      tx.update(trainJobsTable)
        .set({ attempt, ...change(row) })
        .where(eq(trainJobsTable.id, id))
        .run();
      return { updated: true } as const;
    },
    { behavior: 'immediate' },
  );
}

export function markTrainRunning(db: Db, input: { trainId: string; attempt: number; workerId: string; at: string }): TrainWriteOutcome {
  return update(db, input.trainId, input.attempt, () => ({
    status: 'running',
    workerId: input.workerId,
    startedAt: input.at,
    error: null,
  }));
}

export function recordTrainProgress(
  db: Db,
  input: { trainId: string; attempt: number; progress: TrainProgressPayload },
): TrainWriteOutcome {
  const p = input.progress;
  return update(db, input.trainId, input.attempt, (row) => {
    // A resumed attempt replays no steps: points at or past its first step replace the old ones.
    let curve = row.curve.filter((c) => c.step < p.step);
    curve.push({ step: p.step, trainLoss: p.trainLoss, ...(p.heldOutLoss === undefined ? {} : { heldOutLoss: p.heldOutLoss }) });
    if (curve.length > MAX_CURVE_POINTS) curve = curve.filter((c, i) => i % 2 === 0 || c.heldOutLoss !== undefined);
    return { status: 'running', progress: p, curve };
  });
}

export function recordTrainResult(
  db: Db,
  input: { trainId: string; attempt: number; workerId: string; at: string } & TrainOutcomePayload,
): TrainWriteOutcome {
  const { trainId: _id, attempt: _a, workerId, at, ...outcome } = input;
  return update(db, input.trainId, input.attempt, () => ({
    status: 'done',
    workerId,
    finishedAt: at,
    modelId: outcome.modelId,
    version: outcome.version,
    outcome,
    error: null,
  }));
}

/** `final`: failed for good (or cancelled); otherwise BullMQ retries it and it waits `queued` with the reason. */
export function recordTrainFailure(
  db: Db,
  input: { trainId: string; attempt: number; workerId: string; reason: string; final: boolean; cancelled: boolean },
): TrainWriteOutcome {
  const status = input.cancelled ? 'cancelled' : input.final ? 'failed' : 'queued';
  return update(db, input.trainId, input.attempt, () => ({
    status,
    workerId: input.workerId,
    error: input.reason,
    ...(input.final || input.cancelled ? { finishedAt: isoNow() } : {}),
  }));
}

/** Cancels a job that no worker has started (the worker stops a running one at its next step). */
export function cancelQueuedTrainJob(db: Db, id: string): boolean {
  const r = db
    .update(trainJobsTable)
    .set({ status: 'cancelled', finishedAt: isoNow(), error: 'cancelled before it started' })
    .where(and(eq(trainJobsTable.id, id), eq(trainJobsTable.status, 'queued')))
    .run();
  return r.changes > 0;
}
