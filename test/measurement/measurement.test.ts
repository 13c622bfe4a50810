import { cellIssues, cellMetrics, decodeSlope, positionPoints, resultMessageSchema } from '@inferlab/experiments';
import { poissonArrivals } from '@inferlab/runner';
import { describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../helpers/models.ts';
import { TINY_CELL, useTinyCells } from '../helpers/tiny-cell.ts';

// Real runs on forge:gpt2-tiny through runCell. They assert properties the metrics must have,
// never absolute timings.

const { run } = useTinyCells();
const base = TINY_CELL;

describe('decode slope on a real model', () => {
  it("shows the no-cache mode's growth: its slope exceeds the KV-cache slope", { timeout: 300_000 }, async () => {
    // 13 + 110 positions: without cache every step recomputes the whole sequence, so each token
    // costs more than the last. gpt2-mini, not -tiny: the head now computes only the last row's
    // logits, and tiny's blocks are too small for the growth of the rest to stand out of the noise.
    await sharedModelsDir(['gpt2-mini']);
    const spec = { model: 'forge:gpt2-mini', maxNewTokens: 110, repetitions: 2 };
    const cache = await run({ ...spec, variant: { dtype: 'fp32', cache: true } });
    const noCache = await run({ ...spec, variant: { dtype: 'fp32', cache: false } });
    const slope = (requests: typeof cache.requests) => decodeSlope(positionPoints(requests))?.msPer100Tokens as number;
    const [s, ns] = [slope(cache.requests), slope(noCache.requests)];
    console.log(`decode slope, ms per 100 tokens of context: cache ${s.toFixed(3)}, no cache ${ns.toFixed(3)}`);
    expect(ns).toBeGreaterThan(0);
    expect(ns).toBeGreaterThan(s);
    expect(noCache.requests[0]?.outputTokenIds).toEqual(cache.requests[0]?.outputTokenIds); // same work, same tokens
  });
});

describe('server scenario', () => {
  it('draws the same seeded Poisson arrivals every time, with the configured mean rate', () => {
    const a = poissonArrivals(2000, 50, 7);
    expect(poissonArrivals(2000, 50, 7)).toEqual(a);
    expect(poissonArrivals(2000, 50, 8)).not.toEqual(a);
    const meanGapMs = (a.at(-1) as number) / 1999;
    expect(meanGapMs).toBeGreaterThan(18); // 20 ms expected; ±10% is > 4 standard errors here
    expect(meanGapMs).toBeLessThan(22);
  });

  it('records a queueing delay that grows with the arrival rate', async () => {
    const cell = (ratePerS: number) =>
      run({ repetitions: 10, scenario: { kind: 'server', ratePerS, maxConcurrency: 1, seed: 3 } }).then((r) =>
        cellMetrics({ variant: base.variant, modelFileBytes: null, requests: r.requests }),
      );
    // 4/s: arrivals ~250 ms apart, service a few ms: hardly any wait. 1000/s: all ten arrive within
    // ~10 ms and wait for the ones ahead of them.
    const slow = await cell(4);
    const fast = await cell(1000);
    console.log(
      `queueing delay p50/max: 4/s ${slow.queue?.p50.toFixed(2)}/${slow.queue?.max.toFixed(2)} ms, 1000/s ${fast.queue?.p50.toFixed(2)}/${fast.queue?.max.toFixed(2)} ms`,
    );
    expect(slow.queue?.n).toBe(10);
    expect(fast.queue?.n).toBe(10);
    expect(fast.queue?.mean).toBeGreaterThan(slow.queue?.mean as number);
    expect(fast.queue?.max).toBeGreaterThan(slow.queue?.max as number);
  });

  it('lets requests run concurrently up to maxConcurrency', async () => {
    const r = await run({ repetitions: 6, scenario: { kind: 'server', ratePerS: 10_000, maxConcurrency: 3, seed: 1 } });
    // All arrive at once: three start immediately, so at least three requests see (almost) no queue.
    const queued = r.requests.map((q) => q.queueMs as number).sort((x, y) => x - y);
    expect(queued).toHaveLength(6);
    expect((queued[2] as number) < (queued[5] as number)).toBe(true);
    expect(r.requests.map((q) => q.outputTokenIds)).toEqual(Array(6).fill(r.requests[0]?.outputTokenIds));
  });
});

describe('offline scenario', () => {
  it('issues every request at once and batches them, each with its unbatched tokens', async () => {
    const single = await run({ repetitions: 1 });
    const offline = await run({ repetitions: 5, batchSize: 3, scenario: { kind: 'offline' } });
    expect(offline.requests).toHaveLength(5);
    expect(new Set(offline.requests.map((r) => r.startedAt)).size).toBe(1); // one common issue time
    expect(offline.requests.every((r) => r.queueMs === 0)).toBe(true);
    for (const r of offline.requests) expect(r.outputTokenIds).toEqual(single.requests[0]?.outputTokenIds);
  });
});

describe('engine axis', () => {
  it('runs the transformers.js peer into the same records, with the same greedy tokens', async () => {
    const ours = await run({ repetitions: 2 });
    const peer = await run({ repetitions: 2, engine: 'transformers.js' });
    expect(peer.requests).toHaveLength(2);
    expect(peer.requests.map((q) => q.outputTokenIds)).toEqual(ours.requests.map((q) => q.outputTokenIds));
    expect(peer.requests[0]?.events).toHaveLength(16);
    expect(peer.energy.source).toMatch(/^(rapl|nvml|estimate)$/);
    // What the peer cannot run is refused before a cell reaches the runner (the api and the worker ask cellIssues).
    expect(cellIssues({ ...TINY_CELL, engine: 'transformers.js', variant: { dtype: 'fp32', cache: false } })[0]?.message).toMatch(
      /KV cache/,
    );
  });

  it('produces results the recorder accepts: engine, queueing delay and energy pass the wire schema', async () => {
    const spec = {
      ...base,
      repetitions: 2,
      engine: 'transformers.js' as const,
      scenario: { kind: 'server' as const, ratePerS: 50, maxConcurrency: 2, seed: 1 },
    };
    const r = await run(spec);
    const message = { kind: 'cell-result', cellId: 'c', experimentId: 'e', attempt: 1, workerId: 'w', config: spec, ...r };
    const parsed = resultMessageSchema.parse(message);
    expect(parsed.kind === 'cell-result' && parsed.environment.engine).toMatch(/^transformers\.js /);
    expect(parsed.kind === 'cell-result' && parsed.requests.every((q) => typeof q.queueMs === 'number')).toBe(true);
    expect(parsed.kind === 'cell-result' && parsed.energy?.source).toBeTruthy();
    expect(parsed.kind === 'cell-result' && parsed.metricsVersion).toBe('1');
  });
});
