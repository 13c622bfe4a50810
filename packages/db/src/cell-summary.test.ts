import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HAND_TIMELINE, syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { getCellSummary } from './cell-summary.ts';
import { getCellTokens } from './cell-tokens.ts';
import { createExperiment } from './experiments-repo.ts';
import { type DbHandle, openDb } from './open-db.ts';
import { recordCellResult } from './record-cell-result.ts';

let dir: string;
let handle: DbHandle;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-summary-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
});
afterEach(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('getCellSummary', () => {
  it('stores queueing delay and energy, and reports repetitions, slope, queue, goodput and cost', () => {
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      prompts: ['a', 'b'],
      repetitions: 2,
      scenarios: [{ kind: 'server', ratePerS: 10 }],
      slo: { ttftMs: 15 },
      pricePerHour: 3.6,
    });
    const [cell] = expandMatrix('exp', matrix);
    createExperiment(handle.db, { id: 'exp', name: 'summary', matrix, cells: [cell!] });
    const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'exp', config: cell!.config, requests: HAND_TIMELINE });
    result.requests = result.requests.map((r, i) => ({ ...r, queueMs: [0, 4, 0, 10][i] as number }));
    result.energy = { joules: 2, source: 'estimate', method: 'ESTIMATE, not measured' };
    recordCellResult(handle.db, result);

    const s = getCellSummary(handle.db, cell!.id)?.summary;
    // HAND_TIMELINE: TTFT 10, 20, 12, 16; 12 tokens over the window [0, 196] ms; cpu 150 + 10 ms.
    expect(s?.queue).toMatchObject({ n: 4, min: 0, max: 10, mean: 3.5 });
    expect(s?.goodput).toMatchObject({ met: 2, total: 4 }); // 0+10 and 0+12 ≤ 15; 4+20 and 10+16 are not
    expect(s?.repetitions?.count).toBe(2);
    expect(s?.repetitions?.perRepetition.map((r) => r.ttft?.p50)).toEqual([15, 14]);
    expect(s?.decodeSlope?.n).toBe(7); // one point per ITL gap: 2 + 2 + 2 + 1
    expect(s?.cost.cpuMsPer1kTokens).toBeCloseTo((160 / 12) * 1000, 9);
    expect(s?.cost.joulesPer1kTokens).toBeCloseTo((2 / 12) * 1000, 9);
    expect(s?.cost.energy?.source).toBe('estimate');
    expect(s?.cost.costPer1MTokens).toBeCloseTo(((3.6 * 196) / 3_600_000 / 12) * 1e6, 9);
    expect(s?.environment?.host).toBe('test-host');
    expect(s?.metricsVersion).toBe('1');
    expect(getCellTokens(handle.db, cell!.id)?.requests.map((r) => r.queueMs)).toEqual([0, 4, 0, 10]);
  });

  it('stores the quality metrics and returns them beside the speed metrics', () => {
    const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a'], variants: [{ dtype: 'q4', cache: true }] });
    const [cell] = expandMatrix('exp', matrix);
    createExperiment(handle.db, { id: 'exp', name: 'quality', matrix, cells: [cell!] });
    const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'exp', config: cell!.config, requests: HAND_TIMELINE });
    const quality = {
      evalText: 'austen-pp-ch1-v1',
      reference: 'fp32' as const,
      positions: 127,
      perplexity: 12.5,
      perplexityFp32: 12,
      perplexityDelta: 0.5,
      top1Agreement: 0.9,
      meanKl: 0.01,
      greedyPrefix: 20,
      greedyTokens: 32,
    };
    recordCellResult(handle.db, { ...result, quality });
    const s = getCellSummary(handle.db, cell!.id)?.summary;
    expect(s?.quality).toEqual(quality);
    expect(s?.seed?.mode).toBe('q4 cache in-place'); // forge gpt2 with the cache: kvLayout "auto" is in place
  });

  it('is null for an unknown cell', () => {
    expect(getCellSummary(handle.db, 'nope')).toBeNull();
  });
});
