import type { DistillCorpusInfo, DistillLayerMetrics, DistillProgressPayload, DistillRequest } from '@inferlab/experiments';
import { desc, eq } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { distillJobsTable } from './schema.ts';
import { isoNow } from './tx.ts';

// Distill jobs (POST /v1/distill): the api inserts them queued; the recorder applies the worker's
// messages. Like cells: a finished job is never downgraded, and a message from an attempt older
// than the recorded one is skipped (a retried job's messages can arrive out of order).

export type DistillJobRow = typeof distillJobsTable.$inferSelect;
export type DistillSkipReason = 'unknown-job' | 'already-done' | 'already-failed' | 'stale-attempt';
export type DistillWriteOutcome = { updated: true } | { updated: false; reason: DistillSkipReason };

export function createDistillJob(db: Db, input: { id: string; request: DistillRequest; createdAt: string }): DistillJobRow {
  const row = {
    id: input.id,
    model: input.request.model,
    device: input.request.device,
    request: input.request,
    createdAt: input.createdAt,
  };
  db.insert(distillJobsTable).values(row).onConflictDoNothing().run();
  return getDistillJob(db, input.id) as DistillJobRow;
}

export function getDistillJob(db: Db, id: string): DistillJobRow | null {
  return db.select().from(distillJobsTable).where(eq(distillJobsTable.id, id)).get() ?? null;
}

/** Newest first; `model` filters to one model id. */
export function listDistillJobs(db: Db, filter: { model?: string; limit?: number } = {}): DistillJobRow[] {
  const q = db.select().from(distillJobsTable);
  const filtered = filter.model === undefined ? q : q.where(eq(distillJobsTable.model, filter.model));
  return filtered
    .orderBy(desc(distillJobsTable.createdAt), desc(distillJobsTable.id))
    .limit(filter.limit ?? 200)
    .all();
}

/** Applies `change` unless the job is unknown, finished, or the message is from an older attempt. */
function update(
  db: Db,
  id: string,
  attempt: number,
  change: (row: DistillJobRow) => Partial<DistillJobRow>,
  allowDone = false,
): DistillWriteOutcome {
  return db.transaction(
    (tx) => {
      const row = tx.select().from(distillJobsTable).where(eq(distillJobsTable.id, id)).get();
      if (row === undefined) return { updated: false, reason: 'unknown-job' } as const;
      if (row.status === 'done' && !allowDone) return { updated: false, reason: 'already-done' } as const;
      if (row.status === 'failed') return { updated: false, reason: 'already-failed' } as const;
      if (attempt < row.attempt) return { updated: false, reason: 'stale-attempt' } as const;
      tx.update(distillJobsTable)
        .set({ attempt, ...change(row) })
        .where(eq(distillJobsTable.id, id))
        .run();
      return { updated: true } as const;
    },
    { behavior: 'immediate' },
  );
}

export function markDistillRunning(
  db: Db,
  input: { distillId: string; attempt: number; workerId: string; at: string },
): DistillWriteOutcome {
  return update(db, input.distillId, input.attempt, () => ({
    status: 'running',
    workerId: input.workerId,
    startedAt: input.at,
    error: null,
  }));
}

export function recordDistillProgress(
  db: Db,
  input: { distillId: string; attempt: number; progress: DistillProgressPayload },
): DistillWriteOutcome {
  return update(db, input.distillId, input.attempt, (row) => ({
    status: row.status === 'queued' ? 'running' : row.status,
    progress: input.progress,
  }));
}

export function recordDistillResult(
  db: Db,
  input: {
    distillId: string;
    attempt: number;
    workerId: string;
    version: string;
    modelSha256: string;
    metrics: DistillLayerMetrics[];
    corpus: DistillCorpusInfo;
    trainSeconds: number | null;
    at: string;
  },
): DistillWriteOutcome {
  return update(db, input.distillId, input.attempt, (row) => ({
    status: 'done',
    workerId: input.workerId,
    finishedAt: input.at,
    version: input.version,
    modelSha256: input.modelSha256,
    metrics: input.metrics,
    corpus: input.corpus,
    trainSeconds: input.trainSeconds,
    error: null,
    // The bar reads full once done, whatever the last throttled progress message said.
    progress: row.progress === null ? null : { ...row.progress, phase: 'evaluate', step: row.progress.totalSteps },
  }));
}

/** `final`: the job failed for good; otherwise BullMQ retries it, so it waits `queued` with the last error. */
export function recordDistillFailure(
  db: Db,
  input: { distillId: string; attempt: number; workerId: string; reason: string; final: boolean },
): DistillWriteOutcome {
  return update(db, input.distillId, input.attempt, () => ({
    status: input.final ? 'failed' : 'queued',
    workerId: input.workerId,
    error: input.reason,
    ...(input.final ? { finishedAt: isoNow() } : {}),
  }));
}
