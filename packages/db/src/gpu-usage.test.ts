import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getExperimentResults } from './experiment-results.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-gpu-db-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GPU usage in results', () => {
  it('stores what a cuda worker measured and serves it; CPU cells have none', () => {
    const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], devices: ['cpu', 'cuda'], repetitions: 2, warmup: 0 });
    const cells = expandMatrix('e', matrix);
    createExperiment(handle.db, { id: 'e', name: 'gpu', matrix, cells });
    const gpu = { name: 'NVIDIA H200', peakMemoryUsedBytes: 3 * 2 ** 30, meanUtilizationPct: 41.5, samples: 12 };
    for (const cell of cells) {
      const result = syntheticCellResult({ cellId: cell.id, experimentId: 'e', config: cell.config });
      if (cell.config.device === 'cuda') result.memory = { ...result.memory, gpu };
      expect(recordCellResult(handle.db, result).recorded).toBe(true);
    }
    const results = getExperimentResults(handle.db, 'e')!;
    const byDevice = Object.fromEntries(results.cells.map((c) => [c.config.device, c.gpu]));
    expect(byDevice).toEqual({ cpu: null, cuda: gpu });
  });
});
