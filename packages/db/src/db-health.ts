import { sql } from 'drizzle-orm';
import type { Db } from './open-db.ts';

/** true when the database answers a trivial query (for /healthz). */
export function isDbUp(db: Db): boolean {
  try {
    return db.get<{ one: number }>(sql`select 1 as one`).one === 1;
  } catch {
    return false;
  }
}
