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
    // scipy.stats.mannwhitneyu(a, b) (two-sided; ties → method 'asymptotic', continuity on), worked by
    // hand: every a < every b, so U = 0; mean n1·n2/2 = 72; eight tie groups of 3 give Σ(t³ − t) = 192;
    // var = 144/12 · (25 − 192/552) = 295.826…; z = (72 − 0.5)/√var = 4.157074…; p = erfc(z/√2).
    expect(tpot.pValue).toBeCloseTo(3.2234889982185106e-5, 10);
    expect(tpot.pMethod).toBe('normal');
    expect(tpot.ci.lo).toBeGreaterThan(1);
    expect(tpot.ci.lo).toBeLessThanOrEqual(tpot.ratio);
    expect(tpot.ci.hi).toBeGreaterThanOrEqual(tpot.ratio);
    expect(tpot.verdict).toBe(`b is 1.96× a [${tpot.ci.lo.toFixed(2)}, ${tpot.ci.hi.toFixed(2)}], p < 0.001`);
    expect(res.json.metrics.tokensPerS.ratio).toBeLessThan(1); // b is slower
    expect(Object.keys(res.json.metrics).sort()).toEqual(['e2el', 'itl', 'tokensPerS', 'tpot', 'ttft']);
    expect(res.json.aa).toBeNull(); // different configs: not an A/A pair
  });

  it('reports the noise floor of an A/A pair (the same config twice) as the minimum detectable difference', async () => {
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: true }, { dtype: 'fp32', cache: false }, { dtype: 'int8' }],
      prompts: ['a', 'b', 'c'],
      repetitions: 4,
    });
    const [again] = expandMatrix('exp2', matrix); // the same config as a, in a second experiment
    createExperiment(f.db, { id: 'exp2', name: 'a/a', matrix, cells: [again!] });
    // Hand-worked floor: a's 12 requests all have TPOT 10 ms, b's have 9, 10, 11 (four each). b's
    // bootstrap median is 9 when ≥ 7 of 12 draws are 9: P = P(Bin(12, 1/3) ≥ 7) = 0.0664 > 0.025, and
    // likewise 11, while a's is always 10; so the 95% CI of the ratio is [0.9, 1.1] and the minimum
    // detectable difference max(1.1 − 1, 1 − 0.9) = 0.10. TTFT is 20 ms everywhere: floor 0.
    const steady = (tpot: number, i: number) => ({
      repetition: Math.floor(i / 3),
      promptIndex: i % 3,
      startedAt: i * 1000,
      events: [0, 1, 2, 3].map((k) => ({ t: 20 + k * tpot, n: 1 })),
    });
    recordCellResult(
      f.db,
      syntheticCellResult({
        cellId: again!.id,
        experimentId: 'exp2',
        config: again!.config,
        requests: Array.from({ length: 12 }, (_, i) => steady(9 + (i % 3), i)),
      }),
    );
    const exp3 = expandMatrix('exp3', matrix)[0]!;
    createExperiment(f.db, { id: 'exp3', name: 'a/a base', matrix, cells: [exp3] });
    recordCellResult(
      f.db,
      syntheticCellResult({
        cellId: exp3.id,
        experimentId: 'exp3',
        config: exp3.config,
        requests: Array.from({ length: 12 }, (_, i) => steady(10, i)),
      }),
    );
    const res = await get(f.app, `/v1/compare?a=${exp3.id}&b=${again!.id}`);
    expect(res.status).toBe(200);
    expect(res.json.aa.sameWorker).toBe(true);
    expect(res.json.metrics.tpot.ci).toMatchObject({ lo: 0.9, hi: 1.1 });
    expect(res.json.aa.minimumDetectableDifference.tpot).toBeCloseTo(0.1, 12);
    expect(res.json.aa.minimumDetectableDifference.ttft).toBe(0);
  });

  it('refuses TPOT and ITL against a cell whose tokens were not streamed, saying why', async () => {
    const { a, b } = seed();
    const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b', 'c'], repetitions: 4, decoding: [{ strategy: 'beam' }] });
    const [beam] = expandMatrix('beam', matrix);
    createExperiment(f.db, { id: 'beam', name: 'beam', matrix, cells: [beam!] });
    // Beam search: each request's 5 tokens arrive in one event.
    const oneEvent = timeline(4).map((r) => ({ ...r, events: [{ t: r.events.at(-1)!.t, n: 5 }] }));
    recordCellResult(f.db, syntheticCellResult({ cellId: beam!.id, experimentId: 'beam', config: beam!.config, requests: oneEvent }));
    const res = await get(f.app, `/v1/compare?a=${a.id}&b=${beam!.id}`);
    expect(res.status).toBe(200);
    expect(res.json.metrics.tpot).toBeNull(); // not "b is 0.00× a"
    expect(res.json.metrics.itl).toBeNull();
    expect(res.json.refused.tpot).toBe(
      'cell b has no inter-token timing (not streamed: 12 of 12 requests sent all their tokens in one event): TPOT and ITL are undefined, so they are not compared',
    );
    expect(res.json.metrics.e2el.nB).toBe(12);
    expect((await get(f.app, `/v1/compare?a=${a.id}&b=${b.id}`)).json.refused).toEqual({});
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
