// Database maintenance while the platform runs:
//   npm run db -- backup [--out FILE]   consistent online copy (the api and recorder keep running)
//   npm run db -- restore FILE          stop every api process first
// The database is found as the api finds it: INFERLAB_DB, else INFERLAB_DATA_DIR/inferlab.sqlite.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { backupDatabase, checkDatabaseFile, restoreDatabase } from '@inferlab/db';
import { loadConfig } from '../apps/api/src/config.ts';

const USAGE = `usage: npm run db -- backup [--out FILE]
       npm run db -- restore FILE
Database: INFERLAB_DB, else INFERLAB_DATA_DIR/inferlab.sqlite (default ./data/inferlab.sqlite).`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, file] = positionals;
  if (values.help || command === undefined) return void console.log(USAGE);
  const { dbPath, dataDir } = loadConfig();
  if (command === 'backup') {
    const out = values.out ?? join(dataDir, `inferlab-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`);
    const outcome = await backupDatabase(dbPath, out);
    console.log(`backed up ${dbPath} to ${outcome.path} (${outcome.pages} pages, ${outcome.bytes} bytes, integrity ok)`);
  } else if (command === 'restore') {
    if (file === undefined) throw new Error(`restore needs the backup file\n${USAGE}`);
    const { migrations } = checkDatabaseFile(file);
    const { previous } = restoreDatabase(file, dbPath);
    console.log(`restored ${file} (${migrations} migrations) to ${dbPath}${previous ? `; the previous file is kept as ${previous}` : ''}`);
    console.log('start the api: it applies any newer migrations on open');
  } else {
    throw new Error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
}

main().catch((err: Error) => {
  console.error(`db: ${err.message}`);
  process.exit(1);
});
