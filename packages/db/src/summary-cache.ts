import type { CellSummary } from './cell-summary.ts';
import type { CellRow } from './cells-repo.ts';
import type { Db } from './open-db.ts';

const CAPACITY = 20_000;

/**
 * Summaries of finished cells, which never change once written: the bootstrap CIs, spreads and
 * positions of a 1,000-cell experiment take seconds to compute and are asked for on every page
 * view. Keyed per database handle (ids repeat across test databases) and by everything that moves
 * when a cell is rewritten (status, attempt, finish time).
 */
const caches = new WeakMap<Db, Map<string, CellSummary>>();

const keyOf = (cell: CellRow) => `${cell.id}|${cell.status}|${cell.attempt}|${cell.finishedAt ?? ''}`;
const cacheable = (cell: CellRow) => cell.status === 'done';

export function cachedSummary(db: Db, cell: CellRow): CellSummary | undefined {
  if (!cacheable(cell)) return undefined;
  return caches.get(db)?.get(keyOf(cell));
}

export function rememberSummary(db: Db, cell: CellRow, summary: CellSummary): void {
  if (!cacheable(cell)) return;
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  if (cache.size >= CAPACITY) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(keyOf(cell), summary);
}
