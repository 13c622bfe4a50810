import { createExperiment, recordCellResult } from '@inferlab/db';
import { expandMatrix, mannWhitneyU, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../../test/helpers/synthetic-result.ts';
import { type AppFixture, createAppFixture, get } from '../test-harness.ts';

let f: AppFixture;
beforeEach(() => {
  f = createAppFixture(null);
});
afterEach(() => f.close());

/** 12 requests (4 repetitions × 3 prompts): TTFT 10 + i % 5, then 5 tokens `gap` ms apart. */
function timeline(gap: number) {
  return Array.from({ length: 12 }, (_, i) => {
    const ttft = 10 + (i % 5);
    return {
      repetition: Math.floor(i / 3),
      promptIndex: i % 3,
      startedAt: i * 1000,
      events: Array.from({ length: 5 }, (_, k) => ({ t: ttft + k * (gap + (i % 4) * 0.1), n: 1 })),
    };
  });
}

function seed() {
  const matrix = parseMatrix({
    models: ['forge:gpt2-tiny'],
    variants: [{ dtype: 'fp32', cache: true }, { dtype: 'fp32', cache: false }, { dtype: 'int8' }],
    prompts: ['a', 'b', 'c'],
    repetitions: 4,
  });
  const cells = expandMatrix('exp', matrix);
  createExperiment(f.db, { id: 'exp', name: 'compare', matrix, cells });
  const [a, b, queued] = cells as [(typeof cells)[0], (typeof cells)[0], (typeof cells)[0]];
  recordCellResult(f.db, syntheticCellResult({ cellId: a.id, experimentId: 'exp', config: a.config, requests: timeline(4) }));
  recordCellResult(f.db, syntheticCellResult({ cellId: b.id, experimentId: 'exp', config: b.config, requests: timeline(8) }));
  return { a, b, queued };
}

describe('GET /v1/compare', () => {
  it('compares two cells metric by metric: ratio of medians, CI, Mann-Whitney p, verdict', async () => {
    const { a, b } = seed();
    const res = await get(f.app, `/v1/compare?a=${a.id}&b=${b.id}`);
    expect(res.status).toBe(200);
    expect(res.json.a.cellId).toBe(a.id);
    expect(res.json.b.cellId).toBe(b.id);
    expect(res.json.a.environment.host).toBe('test-host');
    expect(res.json.method).toMatchObject({ ratio: 'median(b)/median(a)', ci: 'percentile bootstrap', test: 'Mann-Whitney U (two-sided)' });

    // TTFT is the same timeline in both cells: no difference. 10 + i % 5 for i < 12, sorted
    // 10 10 10 11 11 11 12 12 13 13 14 14 → median (11 + 12) / 2.
    const ttft = res.json.metrics.ttft;
    expect(ttft).toMatchObject({ a: 11.5, b: 11.5, ratio: 1, pValue: 1, significant: false, verdict: 'no significant difference' });
    expect(ttft.ci.lo).toBeLessThanOrEqual(1);
    expect(ttft.ci.hi).toBeGreaterThanOrEqual(1);

    // Per-request TPOT = gap + (i % 4)·0.1: a ∈ {4, 4.1, 4.2, 4.3}, b ∈ {8, …, 8.3}; medians 4.15 and 8.15.
    const tpot = res.json.metrics.tpot;
    expect(tpot.a).toBeCloseTo(4.15, 9);
    expect(tpot.b).toBeCloseTo(8.15, 9);
    expect(tpot.ratio).toBeCloseTo(8.15 / 4.15, 9);
    expect(tpot.significant).toBe(true);
    const tpotsA = Array.from({ length: 12 }, (_, i) => 4 + (i % 4) * 0.1);
    const tpotsB = tpotsA.map((v) => v + 4);
    expect(tpot.pValue).toBeCloseTo(mannWhitneyU(tpotsA, tpotsB).pValue, 12);
    expect(tpot.ci.lo).toBeGreaterThan(1);
    expect(tpot.ci.lo).toBeLessThanOrEqual(tpot.ratio);
    expect(tpot.ci.hi).toBeGreaterThanOrEqual(tpot.ratio);
    expect(tpot.verdict).toBe(`b is 1.96× a [${tpot.ci.lo.toFixed(2)}, ${tpot.ci.hi.toFixed(2)}], p < 0.001`);
    expect(res.json.metrics.tokensPerS.ratio).toBeLessThan(1); // b is slower
    expect(Object.keys(res.json.metrics).sort()).toEqual(['e2el', 'itl', 'tokensPerS', 'tpot', 'ttft']);
    expect(res.json.aa).toBeNull(); // different configs: not an A/A pair
  });

  it('reports the noise floor of an A/A pair (the same config twice) as the minimum detectable difference', async () => {
    const { a } = seed();
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: true }, { dtype: 'fp32', cache: false }, { dtype: 'int8' }],
      prompts: ['a', 'b', 'c'],
      repetitions: 4,
    });
    const [again] = expandMatrix('exp2', matrix); // the same config as a, in a second experiment
    createExperiment(f.db, { id: 'exp2', name: 'a/a', matrix, cells: [again!] });
    const jittered = timeline(4).map((r, i) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t * (1 + ((i % 3) - 1) * 0.02) })) }));
    recordCellResult(f.db, syntheticCellResult({ cellId: again!.id, experimentId: 'exp2', config: again!.config, requests: jittered }));
    const res = await get(f.app, `/v1/compare?a=${a.id}&b=${again!.id}`);
    expect(res.status).toBe(200);
    expect(res.json.aa.sameWorker).toBe(true);
    const tpot = res.json.metrics.tpot;
    expect(res.json.aa.minimumDetectableDifference.tpot).toBeCloseTo(Math.max(tpot.ci.hi - 1, 1 - tpot.ci.lo), 12);
    expect(res.json.aa.minimumDetectableDifference.tpot).toBeGreaterThan(0);
  });

  it('answers 400 without a or b, 404 for an unknown cell, 409 for a cell without results', async () => {
    const { a, queued } = seed();
    const missing = await get(f.app, `/v1/compare?a=${a.id}`);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: 'invalid_query', missing: ['b'] });
    expect((await get(f.app, '/v1/compare')).json.missing).toEqual(['a', 'b']);
    const unknown = await get(f.app, `/v1/compare?a=${a.id}&b=nope`);
    expect(unknown).toMatchObject({ status: 404, json: { error: 'not_found', cell: 'b' } });
    const notReady = await get(f.app, `/v1/compare?a=${queued.id}&b=${a.id}`);
    expect(notReady).toMatchObject({ status: 409, json: { error: 'no_results', cell: 'a', status: 'queued' } });
  });
});

describe('GET /v1/cells/:id/positions', () => {
  it('returns ITL by output position and the decode slope from the stored events', async () => {
    const { a } = seed();
    const res = await get(f.app, `/v1/cells/${a.id}/positions?bucket=2`);
    expect(res.status).toBe(200);
    expect(res.json.bucketSize).toBe(2);
    // gaps do not depend on the position: a flat slope, 12 gaps in each of positions 2..5
    expect(res.json.buckets.map((b: { from: number; n: number }) => [b.from, b.n])).toEqual([
      [1, 12],
      [3, 24],
      [5, 12],
    ]);
    expect(res.json.slope.msPer100Tokens).toBeCloseTo(0, 9);
    expect((await get(f.app, `/v1/cells/${a.id}/positions?bucket=0`)).status).toBe(400);
    expect((await get(f.app, '/v1/cells/nope/positions')).status).toBe(404);
  });
});
