import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCellTokens, getExperiment, getExperimentResults, listWorkers, openDb } from '@inferlab/db';
import { afterAll, describe, expect, it } from 'vitest';

// A database written by the first release of the schema (0000_init, by that release's own code:
// test/fixtures/first-release-db/make-fixture.sh) opens with today's code, migrates, and serves
// the same results. Each future migration keeps this test green: old rows must still read back.

const FIXTURE = join(import.meta.dirname, '../fixtures/first-release-db');
const dir = mkdtempSync(join(tmpdir(), 'inferlab-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Results = { experiment: { progress: unknown; status: string }; cells: Record<string, unknown>[] };

describe('a database written by the first release', () => {
  const path = join(dir, 'inferlab.sqlite');
  copyFileSync(join(FIXTURE, 'first-release.sqlite'), path);
  const expected = JSON.parse(readFileSync(join(FIXTURE, 'first-release-results.json'), 'utf8')) as Results;

  it('migrates to the current schema and serves the same results', () => {
    const handle = openDb(path);
    try {
      const applied = handle.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get() as number;
      expect(applied).toBeGreaterThan(1); // 0000 was there; every later migration ran on top of it
      const now = getExperimentResults(handle.db, 'exp-first-release') as unknown as Results;
      expect(now.experiment.progress).toMatchObject(expected.experiment.progress as object);
      expect(now.experiment.status).toBe(expected.experiment.status);
      expect(now.cells).toHaveLength(expected.cells.length);
      // Every field the first release served is served with the same value; new fields may be added.
      // One deliberate change: the prompts are the experiment's, served once (migration 0006), not per cell.
      for (const [i, old] of expected.cells.entries()) {
        const { prompts, ...config } = old.config as { prompts: string[] };
        expect(now.cells[i]).toMatchObject({ ...old, config });
        expect(getExperiment(handle.db, 'exp-first-release')?.matrix.prompts).toEqual(prompts);
      }
      const done = expected.cells.find((c) => c.status === 'done') as { cellId: string };
      const tokens = getCellTokens(handle.db, done.cellId);
      expect(tokens?.requests.map((r) => r.events.length)).toEqual([3, 3, 3, 2]);
      expect(listWorkers(handle.db).map((w) => w.id)).toEqual(['worker-1']);
    } finally {
      handle.close();
    }
  });

  it('opens again without reapplying anything', () => {
    const first = openDb(path);
    const before = first.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get();
    first.close();
    const again = openDb(path);
    expect(again.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get()).toBe(before);
    again.close();
  });
});
