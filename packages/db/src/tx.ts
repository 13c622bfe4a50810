import type { Db } from './open-db.ts';

/** A drizzle transaction on the same connection; repository helpers accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** ISO-8601 time of day, the one format of every `*At` text column. */
export function isoNow(): string {
  return new Date().toISOString();
}
