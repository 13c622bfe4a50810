// A bounded fuzz pass through the real platform (HTTP → Redis/BullMQ → CPU worker → recorder →
// SQLite): seeded mutations of a runnable matrix, some refused by the api, the rest run. Afterwards
// every cell is done, or failed with a reason; no request is recorded twice; a done cell has
// exactly repetitions × prompts request rows, and a failed one none.
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { mutateRunnable, rng } from '../helpers/fuzz-matrix.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

/** Matrices tried, and the most cells run: gpt2-tiny cells of a few tokens keep this under a minute. */
const ATTEMPTS = 64;
const MAX_CELLS = 36;

describe('platform fuzz', () => {
  const f = usePlatform('fuzz-platform', { models: ['gpt2-tiny', 'gpt2-tiny-draft1'] });

  it('runs the mutated matrices that pass validation; every cell ends done or failed with a reason, rows exact', async () => {
    const r = rng(20261203);
    const accepted: string[] = [];
    const refused: number[] = [];
    let cells = 0;
    for (let i = 0; i < ATTEMPTS && cells < MAX_CELLS; i++) {
      const matrix = { ...mutateRunnable(r), name: `fuzz ${i}` };
      const res = await postJson(`${f.platform.apiUrl}/v1/experiments`, matrix);
      if (res.status === 201) {
        accepted.push(res.body.id);
        cells += res.body.cells.length;
      } else {
        expect([400, 413]).toContain(res.status); // refused with a message, never a 5xx
        expect(typeof res.body.message).toBe('string');
        refused.push(res.status);
      }
    }
    expect(accepted.length).toBeGreaterThanOrEqual(5); // the pass really ran something
    expect(refused.length).toBeGreaterThanOrEqual(3); // and really offered invalid matrices

    const outcomes: Record<string, number> = {};
    let checked = 0;
    const reasons = new Set<string>();
    for (const id of accepted) {
      const view = await waitForExperiment(f.platform.apiUrl, id, 120_000);
      const stored = await getJson(`${f.platform.apiUrl}/v1/experiments/${id}`);
      expect(stored.cells).toHaveLength(view.progress.total);
      for (const cell of stored.cells) {
        const label = `${id}/${cell.id} ${JSON.stringify(cell.config)}`;
        expect([label, cell.status]).toEqual([label, expect.stringMatching(/^(done|failed)$/)]);
        const counts = recordedCounts(f.dataDir, cell.id);
        expect([label, counts.duplicates]).toEqual([label, 0]);
        if (cell.status === 'done') {
          // The experiment view leaves the prompts out of each cell's config: every cell runs the matrix's.
          const prompts: string[] = cell.config.prompts ?? stored.matrix.prompts;
          expect([label, counts.requests]).toEqual([label, cell.config.repetitions * prompts.length]);
          expect(counts.tokenEvents).toBeGreaterThan(0);
        } else {
          expect([label, typeof cell.error, cell.error?.length > 0]).toEqual([label, 'string', true]);
          expect([label, counts.requests]).toEqual([label, 0]);
        }
        outcomes[cell.status] = (outcomes[cell.status] ?? 0) + 1;
        if (cell.status === 'failed') reasons.add(String(cell.error).slice(0, 120));
        checked++;
      }
    }
    expect(checked).toBe(cells);
    console.log(`platform fuzz: ${accepted.length} matrices run (${cells} cells: ${JSON.stringify(outcomes)}), ${refused.length} refused`);
    for (const reason of reasons) console.log(`  failed: ${reason}`);
  });
});
