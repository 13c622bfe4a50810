// infra/ cannot run here (no container engine, no cluster): these checks lint it against the code
// it deploys, so a renamed queue, script or variable breaks a test rather than a deployment.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CELL_QUEUES } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type LocalRedis, startLocalRedis } from '../../scripts/lib/local-redis.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const docs = (p: string) => parseAllDocuments(read(p)).map((d) => d.toJS() as any);

describe('infra', () => {
  it('redis.conf: append-only file on, bounded memory that never evicts (BullMQ needs noeviction)', () => {
    for (const conf of [read('infra/redis.conf'), docs('infra/k8s/redis.yaml')[0].data['redis.conf'] as string]) {
      expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
      expect(conf).toMatch(/^maxmemory \d+[kmg]b$/m);
      expect(conf).toMatch(/^appendonly yes$/m);
    }
  });

  it('compose and k8s require a write token and give Redis a password', () => {
    const [compose] = docs('infra/docker-compose.yml');
    // `${VAR:?message}`: compose refuses to start while VAR is unset or empty.
    expect(compose.services.redis.command.join(' ')).toMatch(/--requirepass \$\{REDIS_PASSWORD:\?/);
    expect(compose.services.api.environment.INFERLAB_API_TOKENS).toMatch(/^\$\{INFERLAB_API_TOKENS:\?/);
    expect(compose.services.api.environment.INFERLAB_REQUIRE_TOKENS).toBe('on');
    const all = ['redis.yaml', 'api.yaml', 'workers.yaml'].flatMap((f) => docs(`infra/k8s/${f}`));
    const containers = all
      .filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet')
      .map((d) => d.spec.template.spec.containers[0]);
    const envOf = (c: any, name: string) => c.env?.find((e: any) => e.name === name);
    for (const c of containers)
      expect(envOf(c, 'REDIS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'inferlab-redis', key: 'password' });
    const redis = containers.find((c) => c.name === 'redis');
    expect(redis.args).toEqual(['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    const api = containers.find((c) => c.name === 'api');
    expect(envOf(api, 'INFERLAB_API_TOKENS').valueFrom.secretKeyRef).toMatchObject({ name: 'inferlab-api-tokens' });
    expect(envOf(api, 'INFERLAB_REQUIRE_TOKENS').value).toBe('on');
    for (const s of all.filter((d) => d.kind === 'ScaledObject'))
      expect(s.spec.triggers[0].authenticationRef.name).toBe('inferlab-redis-auth');
  });

  it('docker-compose: redis, api, cpu and gpu workers, commands that exist', () => {
    const [compose] = docs('infra/docker-compose.yml');
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker-cpu', 'worker-gpu']);
    for (const name of ['api', 'worker-cpu', 'worker-gpu']) {
      const svc = compose.services[name];
      expect(existsSync(join(ROOT, 'infra', svc.build.dockerfile.replace(/^infra\//, '')))).toBe(true);
      expect(existsSync(join(ROOT, svc.command.at(-1)))).toBe(true);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own interpolation, as written in the file.
      expect(svc.environment.REDIS_URL).toBe('redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379');
    }
    expect(compose.services['worker-gpu'].environment.WORKER_DEVICE).toBe('cuda');
    expect(compose.services['worker-cpu'].environment.WORKER_DEVICE).toBe('cpu');
  });

  it('Dockerfiles install with the right onnxruntime provider', () => {
    expect(read('infra/Dockerfile')).toMatch(/npm ci/);
    expect(read('infra/Dockerfile.gpu')).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci/);
  });

  it('k8s: one api replica (single SQLite writer), workers scaled by KEDA on their own queue', () => {
    const all = ['redis.yaml', 'api.yaml', 'workers.yaml'].flatMap((f) => docs(`infra/k8s/${f}`));
    for (const d of all) {
      expect(typeof d.apiVersion).toBe('string');
      expect(typeof d.kind).toBe('string');
      expect(typeof d.metadata?.name).toBe('string');
    }
    const api = all.find((d) => d.kind === 'Deployment' && d.metadata.name === 'inferlab-api');
    expect(api.spec.replicas).toBe(1);
    const scaled = all.filter((d) => d.kind === 'ScaledObject');
    expect(scaled.map((s) => s.spec.triggers[0].metadata.listName).sort()).toEqual(
      Object.values(CELL_QUEUES)
        .map((q) => `bull:${q}:wait`)
        .sort(),
    );
    for (const s of scaled) {
      const target = all.find((d) => d.kind === 'Deployment' && d.metadata.name === s.spec.scaleTargetRef.name);
      expect(target?.spec.template.spec.containers).toHaveLength(1); // the Deployment it scales exists, with one worker container
      const device = target.spec.template.spec.containers[0].env.find((e: any) => e.name === 'WORKER_DEVICE').value;
      expect(s.spec.triggers[0].metadata.listName).toBe(`bull:${CELL_QUEUES[device as 'cpu' | 'cuda']}:wait`);
    }
  });

  describe('KEDA reads the list BullMQ really fills', () => {
    let redis: LocalRedis;
    beforeAll(async () => {
      redis = await startLocalRedis();
    });
    afterAll(() => redis.stop());

    it('bull:cells-cpu:wait is a list whose length is the number of waiting cells', async () => {
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue(CELL_QUEUES.cpu, { connection });
      try {
        await queue.add('cell', { n: 1 }, { jobId: 'a' });
        await queue.add('cell', { n: 2 }, { jobId: 'b' });
        expect(await connection.type(`bull:${CELL_QUEUES.cpu}:wait`)).toBe('list');
        expect(await connection.llen(`bull:${CELL_QUEUES.cpu}:wait`)).toBe(2);
      } finally {
        await queue.close();
        connection.disconnect();
      }
    });
  });
});
