import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellResultSchema, expandMatrix, parseMatrix, strategyStatsSchema } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getCellTokens } from './cell-tokens.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

// Early exit's per-request stats survive the wire schema (the recorder validates with it) and the
// requests table (migration 0005: exit_stats), and come back with the request.

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-db-exit-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('early-exit stats in results', () => {
  it('are validated, stored and read back per request', () => {
    const matrix = parseMatrix({
      name: 'exits',
      models: ['forge:gpt2-mini'],
      decoding: [{ strategy: 'early-exit', heads: 'untrained', exitLayers: [1, 2], criterion: 'entropy', threshold: 4 }],
      prompts: ['a', 'b'],
      repetitions: 2,
      warmup: 0,
    });
    const [cell] = expandMatrix('exp-exit', matrix);
    createExperiment(handle.db, { id: 'exp-exit', name: matrix.name, matrix, cells: [cell!] });
    const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'exp-exit', config: cell!.config });
    const exits = { layers: [1, 2, 4], counts: [1, 1, 1], meanLayers: 7 / 3, agreement: 2 / 3 };
    result.requests[0]!.strategyStats = { targetForwards: 1, draftTokens: 0, acceptedTokens: 0, exits };
    const parsed = cellResultSchema.parse(result);
    expect(parsed.requests[0]?.strategyStats?.exits).toEqual(exits);
    recordCellResult(handle.db, parsed);
    const tokens = getCellTokens(handle.db, cell!.id);
    expect(tokens?.requests[0]?.strategyStats).toEqual({ targetForwards: 1, draftTokens: 0, acceptedTokens: 0, exits });
    expect(tokens?.requests[1]?.strategyStats).toBeUndefined();
  });

  it('refuse counts that do not match the layers', () => {
    const bad = { targetForwards: 0, draftTokens: 0, acceptedTokens: 0, exits: { layers: [1, 4], counts: [3], meanLayers: 1 } };
    expect(strategyStatsSchema.safeParse(bad).error?.issues[0]?.message).toBe('exits.counts needs one entry per exit layer');
  });
});
