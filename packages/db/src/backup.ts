import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** Pages per backup step after the first: more than any database has, i.e. the rest in one step. */
const ALL_PAGES = 2 ** 30;

export type BackupOutcome = { path: string; pages: number; bytes: number };

/**
 * A consistent copy of a live database, through SQLite's online backup API: the api and recorder
 * keep reading and writing meanwhile (WAL), and the copy is one snapshot. A write from another
 * connection between two steps restarts the copy, so under a steady writer a page-by-page backup
 * never ends (seen in the test): after the first step the rest is copied in one step (one read transaction, which
 * WAL lets run beside the writer). Runs from its own read-only connection, so any process on the
 * machine can take it.
 */
export async function backupDatabase(sourcePath: string, destination: string): Promise<BackupOutcome> {
  if (!existsSync(sourcePath)) throw new BackupError(`no database at ${sourcePath} (set INFERLAB_DB or INFERLAB_DATA_DIR)`);
  if (existsSync(destination)) throw new BackupError(`${destination} exists: choose a new file for the backup`);
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const { totalPages } = await source.backup(destination, { progress: () => ALL_PAGES });
    // The copy carries the source's WAL flag; as a rollback-journal file it is one self-contained
    // file (no -wal/-shm beside it). openDb switches it back to WAL when it is opened for use.
    const copy = new Database(destination);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    const check = checkDatabaseFile(destination);
    return { path: destination, pages: totalPages, bytes: check.bytes };
  } catch (err) {
    rmSync(destination, { force: true });
    throw err instanceof BackupError ? err : new BackupError(`backup of ${sourcePath} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    source.close();
  }
}

/** Integrity check of a backup file, and that it is an inferlab database (it has our migrations). */
export function checkDatabaseFile(path: string): { bytes: number; migrations: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`${path} fails SQLite's integrity check: ${String(integrity)}`);
    const hasMigrations = db.prepare("select count(*) from sqlite_master where name = '__drizzle_migrations'").pluck().get();
    if (hasMigrations !== 1) throw new BackupError(`${path} is not an inferlab database (no __drizzle_migrations table)`);
    const migrations = db.prepare('select count(*) from __drizzle_migrations').pluck().get() as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { bytes: pages * pageSize, migrations };
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place of the database at `targetPath`. The api, recorder and any standalone
 * recorder must be stopped first (SQLite cannot swap a file under open connections). The current
 * file is kept beside it as `<name>.before-restore-<time>`; the copy lands atomically (copy, then
 * rename), and stale -wal/-shm files of the old database are removed so they are not replayed.
 */
export function restoreDatabase(backupPath: string, targetPath: string, now = new Date()): { previous: string | null } {
  checkDatabaseFile(backupPath);
  const staging = `${targetPath}.restoring`;
  copyFileSync(backupPath, staging);
  let previous: string | null = null;
  if (existsSync(targetPath)) {
    previous = `${targetPath}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(targetPath, previous);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${targetPath}${suffix}`, { force: true });
  renameSync(staging, targetPath);
  return { previous };
}
