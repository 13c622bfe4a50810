import { createExperiment, recordCellResult } from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../../test/helpers/synthetic-result.ts';
import { type AppFixture, createAppFixture, get } from '../test-harness.ts';

let f: AppFixture;
beforeEach(() => {
  f = createAppFixture(null);
});
afterEach(() => f.close());

const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [5], repetitions: 6, warmup: 0 });

/** 12 requests whose every gap is `gap` ms (with a small per-request wobble). */
function timeline(gap: number) {
  return Array.from({ length: 12 }, (_, i) => ({
    repetition: Math.floor(i / 2),
    promptIndex: i % 2,
    startedAt: i * 1000,
    events: Array.from({ length: 5 }, (_, k) => ({ t: (k + 1) * gap * (1 + (i % 3) * 0.01), n: 1 })),
  }));
}

/** The same configuration run in `n` experiments on `host`, with these gaps in order. */
function runs(host: string, gaps: number[], from = 0) {
  return gaps.map((gap, i) => {
    const id = `${host}-${from + i}`;
    const [cell] = expandMatrix(id, matrix);
    createExperiment(f.db, { id, name: id, matrix, cells: [cell!] });
    const r = syntheticCellResult({ cellId: cell!.id, experimentId: id, config: cell!.config, requests: timeline(gap) });
    recordCellResult(f.db, { ...r, environment: { ...r.environment, host } });
    f.sqlite.prepare('update cells set finished_at = ? where id = ?').run(`2026-12-01T0${from + i}:00:00.000Z`, cell!.id);
    return cell!.id;
  });
}

describe('GET /v1/history', () => {
  it('lists keys and regressions, then one key as series per hardware with the slower run flagged', async () => {
    const a = runs('host-a', [10, 10, 10, 16]);
    runs('host-b', [10, 10], 5);
    const overview = await get(f.app, '/v1/history');
    expect(overview.status).toBe(200);
    expect(overview.json.keys).toHaveLength(1);
    expect(overview.json.keys[0]).toMatchObject({ runs: 6, model: 'forge:gpt2-tiny' });
    expect(overview.json.regressions.map((r: { cellId: string }) => r.cellId)).toEqual([a[3]]);

    const one = await get(f.app, `/v1/history?key=${overview.json.keys[0].key}`);
    expect(one.status).toBe(200);
    expect(one.json.series.map((s: { hardware: { host: string }; runs: unknown[] }) => [s.hardware.host, s.runs.length])).toEqual([
      ['host-a', 4],
      ['host-b', 2],
    ]);
    const last = one.json.series[0].runs[3];
    expect(last.previousCellId).toBe(a[2]);
    expect(last.regression.slower.map((s: { metric: string }) => s.metric)).toContain('e2el');
    expect(one.json.series[0].runs.slice(0, 3).map((r: { regression: unknown }) => r.regression)).toEqual([null, null, null]);
  });

  it('says what is wrong with a bad key or limit, and 404s an unknown key', async () => {
    expect((await get(f.app, '/v1/history?key=nope')).json.message).toMatch(/^key: expected 16 hex digits/);
    expect((await get(f.app, '/v1/history?limit=0')).status).toBe(400);
    expect((await get(f.app, `/v1/history?key=${'0'.repeat(16)}`)).status).toBe(404);
  });
});
