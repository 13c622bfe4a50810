import { type CellResult, requestMetrics } from '@inferlab/experiments';
import { eq, sql } from 'drizzle-orm';
import type { SkipReason } from './cells-repo.ts';
import { refreshExperimentStatus } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { cellsTable, requestsTable, tokenEventsTable } from './schema.ts';
import { isoNow } from './tx.ts';

export type RecordOutcome =
  | { recorded: true; requests: number; tokenEvents: number }
  | { recorded: false; reason: Extract<SkipReason, 'unknown-cell' | 'already-done' | 'already-failed' | 'cancelled' | 'stale-attempt'> };

const p = sql.placeholder;

/**
 * Stores a cell's measured requests and token events and marks it done, in ONE transaction.
 * Idempotent on the cell: a result for a cell already `done` (a retried or duplicated message) is
 * skipped, so rows are never doubled. A final state is final: a cell failed for good (BullMQ gave
 * up on it, e.g. it stalled past its limit while its worker was frozen) or cancelled takes no late
 * result — that worker lost its lock, and its timings may contain the freeze — and a result of an
 * older attempt than the cell's latest is stale.
 */
export function recordCellResult(db: Db, result: CellResult): RecordOutcome {
  return db.transaction(
    (tx) => {
      const cell = tx
        .select({ status: cellsTable.status, attempt: cellsTable.attempt, experimentId: cellsTable.experimentId })
        .from(cellsTable)
        .where(eq(cellsTable.id, result.cellId))
        .get();
      if (cell === undefined) return { recorded: false, reason: 'unknown-cell' } as const;
      if (cell.status === 'done') return { recorded: false, reason: 'already-done' } as const;
      if (cell.status === 'failed') return { recorded: false, reason: 'already-failed' } as const;
      if (cell.status === 'cancelled') return { recorded: false, reason: 'cancelled' } as const;
      if (result.attempt < cell.attempt) return { recorded: false, reason: 'stale-attempt' } as const;

      // Prepared once, run per row: a cell can carry thousands of token events.
      const insertRequest = tx
        .insert(requestsTable)
        .values({
          cellId: result.cellId,
          repetition: p('repetition'),
          promptIndex: p('promptIndex'),
          promptTokens: p('promptTokens'),
          tokenizeMs: p('tokenizeMs'),
          nOut: p('nOut'),
          ttftMs: p('ttftMs'),
          e2elMs: p('e2elMs'),
          tpotMs: p('tpotMs'),
          startedAt: p('startedAt'),
          stopReason: p('stopReason'),
          queueMs: p('queueMs'),
          targetForwards: p('targetForwards'),
          draftTokens: p('draftTokens'),
          acceptedTokens: p('acceptedTokens'),
          exitStats: p('exitStats'),
          text: p('text'),
          outputTokenIds: p('outputTokenIds'),
        })
        .returning({ id: requestsTable.id })
        .prepare();
      const insertEvent = tx
        .insert(tokenEventsTable)
        .values({ requestId: p('requestId'), seq: p('seq'), tMs: p('tMs'), n: p('n') })
        .prepare();

      let tokenEvents = 0;
      for (const request of result.requests) {
        const m = requestMetrics(request);
        const row = insertRequest.get({
          repetition: request.repetition,
          promptIndex: request.promptIndex,
          promptTokens: request.promptTokens,
          tokenizeMs: request.tokenizeMs,
          nOut: m.nOut,
          ttftMs: m.ttft,
          e2elMs: m.e2el,
          tpotMs: m.tpot,
          startedAt: request.startedAt,
          stopReason: request.stopReason,
          queueMs: request.queueMs ?? null,
          targetForwards: request.strategyStats?.targetForwards ?? null,
          draftTokens: request.strategyStats?.draftTokens ?? null,
          acceptedTokens: request.strategyStats?.acceptedTokens ?? null,
          exitStats: request.strategyStats?.exits ?? null,
          text: request.text,
          outputTokenIds: request.outputTokenIds,
        });
        for (const [seq, event] of request.events.entries()) insertEvent.run({ requestId: row.id, seq, tMs: event.t, n: event.n });
        tokenEvents += request.events.length;
      }

      tx.update(cellsTable)
        .set({
          status: 'done',
          attempt: result.attempt,
          workerId: result.workerId,
          error: null,
          startedAt: sql`coalesce(${cellsTable.startedAt}, ${isoNow()})`,
          finishedAt: isoNow(),
          modelFile: result.model.file,
          modelSha256: result.model.sha256,
          modelFileBytes: result.model.fileBytes,
          modelParamCount: result.model.paramCount,
          modelParamBytes: result.model.paramBytes,
          environment: result.environment,
          memory: result.memory,
          cpu: result.cpu,
          wallMs: result.wallMs,
          metricsVersion: result.metricsVersion,
          energy: result.energy ?? null,
          quality: result.quality ?? null,
        })
        .where(eq(cellsTable.id, result.cellId))
        .run();
      refreshExperimentStatus(tx, cell.experimentId);
      return { recorded: true, requests: result.requests.length, tokenEvents } as const;
    },
    { behavior: 'immediate' },
  );
}
