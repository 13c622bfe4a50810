import { upsertWorkerHeartbeat } from '@inferlab/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, get } from '../test-harness.ts';

let f: AppFixture;
const now = new Date('2025-03-01T12:00:00.000Z');
beforeEach(() => {
  f = createAppFixture(null, { now: () => now });
});
afterEach(() => f.close());

const worker = (id: string) => ({
  id,
  host: 'box',
  deviceClass: 'cpu' as const,
  executionProvider: 'cpu',
  threads: 2,
  pid: 100,
  versions: { onnxruntime: '1.30.0' },
  startedAt: '2025-03-01T11:00:00.000Z',
});

describe('GET /v1/workers', () => {
  it('marks a worker lost after 30 s without a heartbeat', async () => {
    upsertWorkerHeartbeat(f.db, { worker: worker('fresh'), currentCellId: 'c1', at: '2025-03-01T11:59:31.000Z' }); // 29 s ago
    upsertWorkerHeartbeat(f.db, { worker: worker('stale'), currentCellId: null, at: '2025-03-01T11:59:29.000Z' }); // 31 s ago
    const res = await get(f.app, '/v1/workers');
    expect(res.status).toBe(200);
    expect(
      res.json.workers.map((w: { id: string; status: string; lastHeartbeatAgeMs: number }) => [w.id, w.status, w.lastHeartbeatAgeMs]),
    ).toEqual([
      ['fresh', 'alive', 29_000],
      ['stale', 'lost', 31_000],
    ]);
    expect(res.json.workers[0]).toMatchObject({ host: 'box', currentCellId: 'c1', versions: { onnxruntime: '1.30.0' } });
  });

  it('is an empty list before any heartbeat', async () => {
    expect(await get(f.app, '/v1/workers')).toEqual({ status: 200, json: { workers: [] } });
  });
});

describe('GET /v1/workers/:id/noise', () => {
  it('compares the two latest runs of a config the worker ran twice: the A/A noise floor', async () => {
    const { recordCellResult } = await import('@inferlab/db');
    const { post } = await import('../test-harness.ts');
    const { syntheticCellResult, HAND_TIMELINE } = await import('../../../../test/helpers/synthetic-result.ts');
    const matrix = { models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [4], repetitions: 2, warmup: 0 };
    const shifted = HAND_TIMELINE.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t * 1.1 })) }));
    const ids: string[] = [];
    for (const requests of [HAND_TIMELINE, shifted]) {
      const created = await post(f.app, '/v1/experiments', matrix);
      const cell = created.json.cells[0];
      ids.push(cell.id);
      recordCellResult(f.db, syntheticCellResult({ cellId: cell.id, experimentId: created.json.id, config: cell.config, requests }));
    }
    const res = await get(f.app, '/v1/workers/worker-test/noise');
    expect(res.status).toBe(200);
    expect(res.json.pairs).toHaveLength(1);
    const pair = res.json.pairs[0];
    expect([pair.a, pair.b].sort()).toEqual([...ids].sort());
    expect(pair.floor.sameWorker).toBe(true);
    // The same numbers as comparing the two cells directly (older as a, newer as b).
    const direct = await get(f.app, `/v1/compare?a=${pair.a}&b=${pair.b}`);
    expect(pair.floor.minimumDetectableDifference).toEqual(direct.json.aa.minimumDetectableDifference);
    // Four requests a side: the floor is wide, far above the 10% shift, which is the honest answer.
    expect(pair.floor.minimumDetectableDifference.e2el).toBeGreaterThan(0.1);
  });

  it('says how to calibrate a worker that has no A/A pair', async () => {
    upsertWorkerHeartbeat(f.db, { worker: worker('fresh'), currentCellId: null, at: '2025-03-01T11:59:31.000Z' });
    const res = await get(f.app, '/v1/workers/fresh/noise');
    expect(res.json).toMatchObject({ workerId: 'fresh', pairs: [] });
    expect(res.json.message).toMatch(/submit the same matrix again/);
  });

  it('is a 404 for a worker the platform never heard of', async () => {
    const res = await get(f.app, '/v1/workers/nobody/noise');
    expect(res.status).toBe(404);
    expect(res.json.message).toMatch(/no worker with id "nobody"/);
  });
});
