// Workers on two (virtual) hosts reach Redis over their own network links; cells spread over both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../scripts/lib/local-redis.ts';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { assertNetnsAvailable, createVirtualHost, removeVirtualHost, type VirtualHost } from '../helpers/netns.ts';

describe('workers on two hosts', () => {
  let platform: Platform;
  let redis: LocalRedis;
  let dataDir: string;
  const hosts: VirtualHost[] = [];

  beforeAll(async () => {
    assertNetnsAvailable();
    dataDir = mkdtempSync(join(tmpdir(), 'inferlab-multihost-'));
    hosts.push(createVirtualHost(1, 'mh'), createVirtualHost(2, 'mh'));
    redis = await startLocalRedis({ bind: ['127.0.0.1', ...hosts.map((h) => h.hostAddress)] });
    const modelsDir = await sharedModelsDir();
    platform = await startPlatform({ dataDir, redisUrl: redis.url, workers: 0, env: { INFERLAB_MODELS_DIR: modelsDir } });
    for (const h of hosts) {
      await platform.startWorker({ REDIS_URL: `redis://${h.hostAddress}:${redis.port}`, WORKER_ID: `worker-on-${h.name}` }, h.prefix);
    }
  });
  afterAll(async () => {
    await platform?.stop();
    await redis?.stop();
    for (const h of hosts) removeVirtualHost(h);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes a matrix with cells on both hosts', async () => {
    // Both workers registered, each from its own host.
    const deadline = Date.now() + 60_000;
    let workers: { id: string; host: string; status: string }[] = [];
    while (Date.now() < deadline) {
      workers = (await getJson(`${platform.apiUrl}/v1/workers`)).workers;
      if (workers.filter((w) => w.status === 'alive').length >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(workers.map((w) => w.host).sort()).toEqual(hosts.map((h) => h.name).sort());

    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: ['Hello world'],
      maxNewTokens: [8, 12, 16, 20],
      threads: [1],
      repetitions: 8,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const done = await waitForExperiment(platform.apiUrl, created.body.id, 180_000);
    expect(done.cells.every((c) => c.status === 'done')).toBe(true);
    const db = new Database(join(dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare('select worker_id as w, count(*) as n from cells where experiment_id = ? group by 1')
        .all(created.body.id) as { w: string; n: number }[];
      expect(rows.map((r) => r.w).sort()).toEqual(hosts.map((h) => `worker-on-${h.name}`).sort());
      const hostsSeen = db
        .prepare("select distinct json_extract(environment, '$.host') as h from cells where experiment_id = ?")
        .all(created.body.id) as { h: string }[];
      expect(hostsSeen.map((r) => r.h).sort()).toEqual(hosts.map((h) => h.name).sort());
    } finally {
      db.close();
    }
  });
});
