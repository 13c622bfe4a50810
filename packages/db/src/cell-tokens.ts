import type { StrategyStats, TokenEvent } from '@inferlab/experiments';
import { asc, eq, type SQL } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { cellsTable, requestsTable, tokenEventsTable } from './schema.ts';

export type RequestTokens = {
  repetition: number;
  promptIndex: number;
  promptTokens: number;
  tokenizeMs: number;
  /** ms since the cell's measured window began. */
  startedAt: number;
  stopReason: 'eos' | 'length';
  /** Server scenario only: ms from arrival to start. */
  queueMs?: number;
  /** Speculative and prompt-lookup requests only. */
  strategyStats?: StrategyStats;
  events: TokenEvent[];
};

export type CellTokens = { cellId: string; requests: RequestTokens[] };

/**
 * The raw per-token timeline of every measured request of a cell, in (repetition, prompt) order;
 * null for an unknown cell. Also the input of the results aggregation.
 */
export function getCellTokens(db: Db, cellId: string): CellTokens | null {
  const cell = db.select({ id: cellsTable.id }).from(cellsTable).where(eq(cellsTable.id, cellId)).get();
  if (cell === undefined) return null;
  return { cellId, requests: loadRequestTimelines(db, eq(requestsTable.cellId, cellId)).get(cellId) ?? [] };
}

/** Requests matching `where` (over requests joined to cells) with their events, grouped by cell id; two queries however many rows. */
export function loadRequestTimelines(db: Db, where: SQL): Map<string, RequestTokens[]> {
  const rows = db
    .select({
      id: requestsTable.id,
      cellId: requestsTable.cellId,
      repetition: requestsTable.repetition,
      promptIndex: requestsTable.promptIndex,
      promptTokens: requestsTable.promptTokens,
      tokenizeMs: requestsTable.tokenizeMs,
      startedAt: requestsTable.startedAt,
      stopReason: requestsTable.stopReason,
      queueMs: requestsTable.queueMs,
      targetForwards: requestsTable.targetForwards,
      draftTokens: requestsTable.draftTokens,
      acceptedTokens: requestsTable.acceptedTokens,
      exitStats: requestsTable.exitStats,
    })
    .from(requestsTable)
    .innerJoin(cellsTable, eq(cellsTable.id, requestsTable.cellId))
    .where(where)
    .orderBy(asc(requestsTable.cellId), asc(requestsTable.repetition), asc(requestsTable.promptIndex))
    .all();
  const events = db
    .select({ requestId: tokenEventsTable.requestId, t: tokenEventsTable.tMs, n: tokenEventsTable.n })
    .from(tokenEventsTable)
    .innerJoin(requestsTable, eq(requestsTable.id, tokenEventsTable.requestId))
    .innerJoin(cellsTable, eq(cellsTable.id, requestsTable.cellId))
    .where(where)
    .orderBy(asc(tokenEventsTable.requestId), asc(tokenEventsTable.seq))
    .all();
  const eventsByRequest = new Map<number, TokenEvent[]>();
  for (const e of events) {
    const list = eventsByRequest.get(e.requestId) ?? [];
    list.push({ t: e.t, n: e.n });
    eventsByRequest.set(e.requestId, list);
  }
  const byCell = new Map<string, RequestTokens[]>();
  for (const { id, cellId, queueMs, targetForwards, draftTokens, acceptedTokens, exitStats, ...request } of rows) {
    const list = byCell.get(cellId) ?? [];
    const exits = exitStats === null ? {} : { exits: exitStats };
    const stats =
      targetForwards === null || draftTokens === null || acceptedTokens === null
        ? {}
        : { strategyStats: { targetForwards, draftTokens, acceptedTokens, ...exits } };
    list.push({ ...request, ...(queueMs === null ? {} : { queueMs }), ...stats, events: eventsByRequest.get(id) ?? [] });
    byCell.set(cellId, list);
  }
  return byCell;
}
