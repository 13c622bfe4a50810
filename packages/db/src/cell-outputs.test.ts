import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_TIMELINE, syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { firstDivergence, getCellOutputs, getExperimentOutputs } from './cell-outputs.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

const dir = mkdtempSync(join(tmpdir(), 'inferlab-outputs-'));
let handle: DbHandle;
beforeAll(() => {
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outputs', () => {
  const matrix = parseMatrix({
    models: ['forge:gpt2-tiny'],
    variants: [
      { dtype: 'fp32', cache: true },
      { dtype: 'int8', cache: true },
      { dtype: 'q4', cache: true },
    ],
    prompts: ['a', 'b'],
    repetitions: 2,
    warmup: 0,
  });
  let cells: ReturnType<typeof expandMatrix>;

  beforeAll(() => {
    cells = expandMatrix('exp', matrix);
    createExperiment(handle.db, { id: 'exp', name: 'outputs', matrix, cells });
    // fp32 and int8 say the same on prompt 0; q4 stays queued (no output).
    const fp32 = syntheticCellResult({ cellId: cells[0]!.id, experimentId: 'exp', config: cells[0]!.config, requests: HAND_TIMELINE });
    const int8 = syntheticCellResult({ cellId: cells[1]!.id, experimentId: 'exp', config: cells[1]!.config, requests: HAND_TIMELINE });
    // int8 diverges from fp32 at token 2 of prompt 1 (both repetitions).
    for (const r of int8.requests) if (r.promptIndex === 1) r.outputTokenIds = r.outputTokenIds.map((t, i) => (i >= 2 ? t + 1000 : t));
    recordCellResult(handle.db, fp32);
    recordCellResult(handle.db, int8);
  });

  it('returns every request text and token ids of a cell, as stored', () => {
    const out = getCellOutputs(handle.db, cells[0]!.id);
    expect(out?.outputs).toHaveLength(4);
    expect(out?.outputs.map((o) => [o.repetition, o.promptIndex, o.tokenIds.length])).toEqual([
      [0, 0, 3],
      [0, 1, 4],
      [1, 0, 3],
      [1, 1, 2],
    ]);
    expect(out?.outputs[0]?.text).toBe('output 0/0');
    expect(getCellOutputs(handle.db, 'nope')).toBeNull();
  });

  it('compares each cell with the fp32 greedy cell per prompt and says where it first diverges', () => {
    const prompts = getExperimentOutputs(handle.db, 'exp');
    expect(prompts?.map((p) => p.promptIndex)).toEqual([0, 1]);
    const [p0, p1] = prompts!;
    expect(p0!.cells.map((c) => [c.referenceCellId, c.sameAsReference, c.firstDivergence])).toEqual([
      [cells[0]!.id, true, null],
      [cells[0]!.id, true, null],
      [cells[0]!.id, null, null], // q4 has no output yet
    ]);
    expect(p1!.cells[1]).toMatchObject({ sameAsReference: false, firstDivergence: 2, repetitionsAgree: false });
    expect(p0!.cells[0]!.repetitionsAgree).toBe(true);
    expect(getExperimentOutputs(handle.db, 'none')).toBeNull();
  });

  it('finds the first divergence by token, a shorter output diverging where it ends', () => {
    expect(firstDivergence([1, 2, 3], [1, 2, 3])).toBeNull();
    expect(firstDivergence([1, 2, 3], [1, 9, 3])).toBe(1);
    expect(firstDivergence([1, 2], [1, 2, 3])).toBe(2);
    expect(firstDivergence([], [])).toBeNull();
  });
});
