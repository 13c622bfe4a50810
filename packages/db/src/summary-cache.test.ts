import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HAND_TIMELINE, syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getExperimentResults } from './experiment-results.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-cache-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('results of finished cells are computed once', () => {
  it('serves the same summaries again and follows every change of a cell', () => {
    const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [1, 2], repetitions: 2, warmup: 0 });
    const cells = expandMatrix('e', matrix);
    createExperiment(handle.db, { id: 'e', name: 'cache', matrix, cells });
    const [first, second] = cells as [(typeof cells)[0], (typeof cells)[0]];
    recordCellResult(handle.db, syntheticCellResult({ cellId: first.id, experimentId: 'e', config: first.config }));

    const once = getExperimentResults(handle.db, 'e')!;
    const twice = getExperimentResults(handle.db, 'e')!;
    expect(twice.cells[0]).toBe(once.cells[0]); // the very object: not recomputed
    expect(twice).toEqual(once);

    const slower = HAND_TIMELINE.map((r) => ({ ...r, events: r.events.map((ev) => ({ ...ev, t: ev.t * 2 })) }));
    recordCellResult(handle.db, syntheticCellResult({ cellId: second.id, experimentId: 'e', config: second.config, requests: slower }));
    const after = getExperimentResults(handle.db, 'e')!;
    expect(after.cells[1]!.status).toBe('done');
    expect(after.cells[1]!.e2el!.p50).toBeCloseTo(2 * once.cells[0]!.e2el!.p50, 9);
    expect(after.cells[0]).toBe(once.cells[0]);
  });
});
