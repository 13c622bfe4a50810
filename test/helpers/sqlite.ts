import { join } from 'node:path';
import Database from 'better-sqlite3';

/** Row counts that prove a cell was recorded exactly once. */
export function recordedCounts(dataDir: string, cellId: string): { requests: number; duplicates: number; tokenEvents: number } {
  const db = new Database(join(dataDir, 'inferlab.sqlite'), { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get(cellId) as { n: number }).n;
    return {
      requests: one('select count(*) as n from requests where cell_id = ?'),
      duplicates: one(
        'select count(*) as n from (select repetition, prompt_index from requests where cell_id = ? group by 1, 2 having count(*) > 1)',
      ),
      tokenEvents: one('select count(*) as n from token_events e join requests r on r.id = e.request_id where r.cell_id = ?'),
    };
  } finally {
    db.close();
  }
}
