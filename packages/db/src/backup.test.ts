import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { BackupError, backupDatabase, checkDatabaseFile, restoreDatabase } from './backup.ts';
import { getExperimentResults } from './experiment-results.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

const dir = mkdtempSync(join(tmpdir(), 'inferlab-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const matrix = parseMatrix({
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['a', 'b'],
  repetitions: 2,
  warmup: 0,
});

function addExperiment(handle: DbHandle, id: string) {
  const cells = expandMatrix(id, matrix);
  createExperiment(handle.db, { id, name: id, matrix, cells });
  return cells;
}

describe('online backup and restore', () => {
  const live = join(dir, 'live.sqlite');
  const copy = join(dir, 'backup.sqlite');

  it('copies a consistent snapshot while another connection keeps writing', async () => {
    const handle = openDb(live);
    const [cell] = addExperiment(handle, 'seeded');
    recordCellResult(handle.db, syntheticCellResult({ cellId: cell!.id, experimentId: 'seeded', config: cell!.config }));
    for (let i = 0; i < 300; i++) addExperiment(handle, `bulk-${i}`);
    let writes = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        addExperiment(handle, `during-${writes++}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const outcome = await backupDatabase(live, copy);
    stop = true;
    await writer;
    expect(writes).toBeGreaterThan(0); // the platform kept writing during the backup
    expect(outcome.pages).toBeGreaterThan(0);
    expect(checkDatabaseFile(copy).bytes).toBe(outcome.bytes);

    const backup = openDb(copy);
    const experiments = backup.sqlite.prepare('select count(*) from experiments').pluck().get() as number;
    const orphans = backup.sqlite
      .prepare('select count(*) from experiments e where (select count(*) from cells c where c.experiment_id = e.id) != 2')
      .pluck()
      .get();
    expect(experiments).toBeGreaterThanOrEqual(301);
    expect(experiments).toBeLessThanOrEqual(301 + writes);
    expect(orphans).toBe(0); // one snapshot: every experiment with both of its cells
    expect(getExperimentResults(backup.db, 'seeded')).toEqual(getExperimentResults(handle.db, 'seeded'));
    backup.close();
    handle.close();
  });

  it('refuses to overwrite an existing file and to back up a missing database', async () => {
    await expect(backupDatabase(live, copy)).rejects.toThrow(/exists: choose a new file/);
    await expect(backupDatabase(join(dir, 'none.sqlite'), join(dir, 'x.sqlite'))).rejects.toThrow(BackupError);
  });

  it('restores the backup in place of a damaged database, keeping the old file beside it', () => {
    writeFileSync(live, 'not a database any more');
    const { previous } = restoreDatabase(copy, live, new Date('2026-12-03T10:00:00Z'));
    expect(previous).toBe(`${live}.before-restore-2026-12-03T10-00-00-000Z`);
    const handle = openDb(live);
    expect(getExperimentResults(handle.db, 'seeded')?.cells[0]?.requests).toBe(4);
    handle.close();
  });

  it('refuses to restore a file that is not an inferlab database', () => {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, '');
    expect(() => restoreDatabase(junk, live)).toThrow(/not an inferlab database/);
  });
});
