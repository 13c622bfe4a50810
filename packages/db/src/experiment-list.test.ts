import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { markCellRunning, recordCellFailure } from './cells-repo.ts';
import { ListCursorError, listExperimentPage } from './experiment-list.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

const dir = mkdtempSync(join(tmpdir(), 'inferlab-list-'));
let handle: DbHandle;
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function add(id: string, name: string, models: string[], prompts: string[], minute: number) {
  const matrix = parseMatrix({ name, models, prompts, repetitions: 2, warmup: 0 });
  const cells = expandMatrix(id, matrix);
  createExperiment(handle.db, { id, name, matrix, cells, createdAt: `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z` });
  return cells;
}

beforeAll(() => {
  handle = openDb(join(dir, 'inferlab.sqlite'));
  const [a0, a1] = add('a', 'KV cache sweep', ['forge:gpt2-tiny', 'forge:gpt2-mini'], ['Explain KV caching', 'b'], 1);
  add('b', 'int8 100%_check', ['forge:gpt2-mini'], ['The quick brown fox'], 2);
  add('c', 'llama run', ['forge:llama-tiny'], ['once upon a time'], 3);
  for (let i = 0; i < 7; i++) add(`z${i}`, `bulk ${i}`, ['forge:gpt2-tiny'], ['x'], 10 + i);
  // a: one cell done (started 10:30:00, recorded now), one failed.
  markCellRunning(handle.db, { cellId: a0!.id, attempt: 1, workerId: 'w', at: '2026-12-01T10:30:00.000Z' });
  recordCellResult(handle.db, syntheticCellResult({ cellId: a0!.id, experimentId: 'a', config: a0!.config }));
  handle.sqlite.prepare('update cells set finished_at = ? where id = ?').run('2026-12-01T10:30:05.000Z', a0!.id);
  markCellRunning(handle.db, { cellId: a1!.id, attempt: 1, workerId: 'w', at: '2026-12-01T10:30:01.000Z' });
  recordCellFailure(handle.db, { cellId: a1!.id, attempt: 1, reason: 'boom', final: true });
  handle.sqlite.prepare('update cells set finished_at = ? where id = ?').run('2026-12-01T10:30:07.000Z', a1!.id);
});

describe('listExperimentPage', () => {
  it('lists newest first with models, cell and failed counts, and duration', () => {
    const { experiments } = listExperimentPage(handle.db);
    expect(experiments.map((e) => e.id)).toEqual(['z6', 'z5', 'z4', 'z3', 'z2', 'z1', 'z0', 'c', 'b', 'a']);
    const a = experiments.find((e) => e.id === 'a');
    expect(a).toMatchObject({
      models: ['forge:gpt2-tiny', 'forge:gpt2-mini'],
      progress: { total: 2, done: 1, failed: 1 },
      durationMs: 7000,
    });
    expect(experiments.find((e) => e.id === 'b')?.durationMs).toBeNull();
  });

  it('pages by cursor without gaps or repeats', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const next = listExperimentPage(handle.db, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...next.experiments.map((e) => e.id));
      if (next.nextCursor === null) break;
      cursor = next.nextCursor;
    }
    expect(seen).toEqual(listExperimentPage(handle.db).experiments.map((e) => e.id));
    expect(() => listExperimentPage(handle.db, { cursor: 'garbage' })).toThrow(ListCursorError);
  });

  it('filters by status, model, name and prompt text (literally: % and _ match themselves)', () => {
    const ids = (f: Parameters<typeof listExperimentPage>[1]) => listExperimentPage(handle.db, f).experiments.map((e) => e.id);
    expect(ids({ status: 'failed' })).toEqual(['a']); // finished with a failed cell
    expect(ids({ status: 'queued' })).toHaveLength(9);
    expect(ids({ model: 'forge:gpt2-mini' })).toEqual(['b', 'a']);
    expect(ids({ model: 'forge:gpt2' })).toEqual([]);
    expect(ids({ name: 'kv CACHE' })).toEqual(['a']);
    expect(ids({ name: '100%_' })).toEqual(['b']);
    expect(ids({ name: '%' })).toEqual(['b']);
    expect(ids({ prompt: 'brown FOX' })).toEqual(['b']);
    expect(ids({ prompt: 'upon', model: 'forge:llama-tiny' })).toEqual(['c']);
    expect(ids({ prompt: 'upon', model: 'forge:gpt2-tiny' })).toEqual([]);
  });
});
