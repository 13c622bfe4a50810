import { and, asc, count, desc, eq, inArray, lt, max, min, or, type SQL, sql } from 'drizzle-orm';
import { addToProgress, emptyProgress, type Progress } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { cellsTable, EXPERIMENT_STATUSES, type ExperimentStatus, experimentsTable } from './schema.ts';

// GET /v1/experiments: newest first, filtered, one page at a time. Paging is keyset (the last
// row's createdAt and id), so page 500 costs what page 1 costs; the per-page cell counts and
// durations are one grouped query over the page's experiments only.

export type ExperimentListFilter = {
  status?: ExperimentStatus;
  /** A model id the matrix names (exact: `forge:gpt2-tiny`). */
  model?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
  /** Case-insensitive substring of any prompt. */
  prompt?: string;
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
};

export type ExperimentListRow = {
  id: string;
  name: string;
  createdAt: string;
  status: ExperimentStatus;
  models: string[];
  progress: Progress;
  /** From the first cell's start to the last cell's finish; null until a cell has finished. */
  durationMs: number | null;
};

export type ExperimentPage = { experiments: ExperimentListRow[]; nextCursor: string | null };

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 500;

export class ListCursorError extends Error {
  override readonly name = 'ListCursorError';
}

const encodeCursor = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as [string, string];
  } catch {
    // fall through to the error below
  }
  throw new ListCursorError('cursor: not a cursor this api returned; pass nextCursor from the previous page unchanged');
}

/** LIKE pattern for a literal substring: % and _ in the user's text match themselves. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function listExperimentPage(db: Db, filter: ExperimentListFilter = {}): ExperimentPage {
  const limit = Math.min(Math.max(filter.limit ?? LIST_LIMIT_DEFAULT, 1), LIST_LIMIT_MAX);
  const where: SQL[] = [];
  if (filter.status) where.push(eq(experimentsTable.status, filter.status));
  if (filter.name) where.push(sql`${experimentsTable.name} like ${contains(filter.name)} escape '\\'`);
  if (filter.model) {
    where.push(sql`exists (select 1 from json_each(${experimentsTable.matrix}, '$.models') m where m.value = ${filter.model})`);
  }
  if (filter.prompt) {
    where.push(
      sql`exists (select 1 from json_each(${experimentsTable.matrix}, '$.prompts') p where p.value like ${contains(filter.prompt)} escape '\\')`,
    );
  }
  if (filter.cursor) {
    const [createdAt, id] = decodeCursor(filter.cursor);
    // Newest first, ties by id ascending: rows after (createdAt, id) in that order.
    where.push(
      or(
        lt(experimentsTable.createdAt, createdAt),
        and(eq(experimentsTable.createdAt, createdAt), sql`${experimentsTable.id} > ${id}`),
      ) as SQL,
    );
  }
  const rows = db
    .select({
      id: experimentsTable.id,
      name: experimentsTable.name,
      createdAt: experimentsTable.createdAt,
      status: experimentsTable.status,
      models: sql<string>`json_extract(${experimentsTable.matrix}, '$.models')`,
    })
    .from(experimentsTable)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(experimentsTable.createdAt), asc(experimentsTable.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.id);
  const counts = ids.length
    ? db
        .select({ experimentId: cellsTable.experimentId, status: cellsTable.status, n: count() })
        .from(cellsTable)
        .where(inArray(cellsTable.experimentId, ids))
        .groupBy(cellsTable.experimentId, cellsTable.status)
        .all()
    : [];
  const spans = ids.length
    ? db
        .select({ experimentId: cellsTable.experimentId, start: min(cellsTable.startedAt), end: max(cellsTable.finishedAt) })
        .from(cellsTable)
        .where(inArray(cellsTable.experimentId, ids))
        .groupBy(cellsTable.experimentId)
        .all()
    : [];
  const progress = new Map<string, Progress>();
  for (const row of counts)
    progress.set(row.experimentId, addToProgress(progress.get(row.experimentId) ?? emptyProgress(), row.status, row.n));
  const duration = new Map(spans.map((s) => [s.experimentId, s.start && s.end ? Date.parse(s.end) - Date.parse(s.start) : null]));
  const last = page.at(-1);
  return {
    experiments: page.map((r) => ({
      ...r,
      models: JSON.parse(r.models ?? '[]') as string[],
      progress: progress.get(r.id) ?? emptyProgress(),
      durationMs: duration.get(r.id) ?? null,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export const isExperimentStatus = (v: string): v is ExperimentStatus => (EXPERIMENT_STATUSES as readonly string[]).includes(v);
