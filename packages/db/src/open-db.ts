import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as relations from './relations.ts';
import * as tables from './schema.ts';

const schema = { ...tables, ...relations };
export type Db = BetterSQLite3Database<typeof schema>;
export type DbHandle = { db: Db; sqlite: Database.Database; close: () => void };

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../drizzle', import.meta.url));

export class OpenDbError extends Error {
  override readonly name = 'OpenDbError';
}

/**
 * Opens (creating if needed) the SQLite file, applies pending migrations and returns the drizzle
 * handle. WAL lets the api read while the recorder writes; busy_timeout rides out a concurrent
 * writer (another api process, `npm run db`) instead of failing with SQLITE_BUSY.
 */
export function openDb(path: string): DbHandle {
  let sqlite: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = drizzle({ client: sqlite, schema, casing: 'snake_case' });
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const handle = sqlite;
    return { db, sqlite, close: () => handle.close() };
  } catch (err) {
    sqlite?.close();
    throw new OpenDbError(`cannot open database ${path}: ${(err as Error).message}`, { cause: err });
  }
}
