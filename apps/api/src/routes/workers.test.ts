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
