import { DISTILL_QUEUES, type DistillJob } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordMessage } from '../recorder/record-message.ts';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { createDistillEnqueuer, type DistillEnqueuer } from './distill-enqueuer.ts';

let redis: RedisFixture;
let distill: DistillEnqueuer;
let f: AppFixture;
let ids: string[];
beforeAll(async () => {
  redis = await startRedisFixture();
  distill = createDistillEnqueuer(redis.connection, { onError: () => {} });
});
afterAll(async () => {
  await distill.close();
  await redis.close();
});
beforeEach(async () => {
  await redis.connection.flushall();
  ids = ['d-1', 'd-2', 'd-3'];
  let t = 0;
  f = createAppFixture(redis, {
    enqueueDistill: distill.enqueue,
    newId: () => ids.shift() ?? 'd-x',
    now: () => new Date(Date.UTC(2026, 10, 29, 5, 30, t++)),
  });
});
afterEach(() => f.close());

describe('POST /v1/distill', () => {
  it('stores the job with defaults filled and queues it on distill-<device> with jobId = id', async () => {
    const res = await post(f.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1] });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: 'd-1',
      status: 'queued',
      model: 'forge:gpt2-tiny',
      device: 'cpu',
      request: {
        model: 'forge:gpt2-tiny',
        layers: [1],
        kind: 'linear',
        epochs: 8,
        learningRate: 2e-3,
        temperature: 2,
        seed: 1,
        batchTokens: 64,
        device: 'cpu',
      },
      version: null,
    });
    const job = await new Queue<DistillJob>(DISTILL_QUEUES.cpu, { connection: redis.connection }).getJob('d-1');
    expect(job?.data).toEqual({ distillId: 'd-1', request: res.json.request, createdAt: '2026-11-29T05:30:00.000Z' });
    expect(job?.opts.attempts).toBe(3);
    const low = await post(f.app, '/v1/distill', { model: 'forge:gpt2-small', layers: [3, 6], kind: 'low-rank', rank: 16, device: 'cuda' });
    expect(low.status).toBe(201);
    // On the cuda queue with its own request (a missing job would be undefined, and fail here).
    const cudaJob = await distill.queues.cuda.getJob('d-2');
    expect(cudaJob?.data).toMatchObject({ distillId: 'd-2', request: { kind: 'low-rank', rank: 16, device: 'cuda', layers: [3, 6] } });
    expect(await distill.queues.cpu.getJob('d-2')).toBeUndefined();
  });

  it('names every bad field and the fix, and queues nothing', async () => {
    const res = await post(f.app, '/v1/distill', {
      model: 'forge:gpt2-huge',
      layers: [1, 1],
      kind: 'lowrank',
      rank: 4,
      epochs: 0,
      learningRate: -1,
      temperature: 0,
      device: 'tpu',
      epoch: 3,
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_distill_request');
    const at = (path: string) => res.json.issues.find((i: { path: string }) => i.path === path)?.message ?? '';
    expect(at('model')).toMatch(/unknown forge model "gpt2-huge"; known forge models: gpt2-tiny, gpt2-small/);
    expect(at('layers')).toMatch(/each layer once/);
    expect(at('kind')).toMatch(/expected one of "linear" \| "low-rank".*did you mean "low-rank"/);
    expect(at('epochs')).toMatch(/at least 1/);
    expect(at('learningRate')).toMatch(/greater than 0/);
    expect(at('temperature')).toMatch(/greater than 0/);
    expect(at('device')).toMatch(/"cpu" \| "cuda"/);
    expect(at('epoch')).toBe('unknown field epoch; did you mean epochs?');
    expect(await distill.queues.cpu.getJobCounts()).toMatchObject({ waiting: 0 });

    const rank = await post(f.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1], rank: 4 });
    expect(rank.json.issues).toEqual([{ path: 'rank', message: 'only low-rank heads have a rank; drop it or set kind "low-rank"' }]);
    const missing = await post(f.app, '/v1/distill', {});
    expect(missing.json.issues.map((i: { path: string }) => i.path)).toEqual(['model', 'layers']);
    const hf = await post(f.app, '/v1/distill', { model: 'hf:Xenova/gpt2', layers: [1] });
    expect(hf.json.issues[0].message).toMatch(/inferlab-built GPT-2 graphs/);
    expect((await post(f.app, '/v1/distill', '{oops')).json.error).toBe('invalid_json');
  });

  it('answers 503 without a distill queue', async () => {
    const bare = createAppFixture(redis);
    const res = await post(bare.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1] });
    bare.close();
    expect(res.status).toBe(503);
  });
});

describe('GET /v1/distill', () => {
  it('shows progress, then the version and metrics the recorder stored; lists per model', async () => {
    await post(f.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1] });
    await post(f.app, '/v1/distill', { model: 'forge:gpt2-small', layers: [2] });
    const base = { distillId: 'd-1', workerId: 'w1' };
    recordMessage(f.db, { kind: 'distill-started', ...base, attempt: 1, at: '2026-11-29T05:31:00.000Z' });
    recordMessage(f.db, {
      kind: 'distill-progress',
      distillId: 'd-1',
      attempt: 1,
      phase: 'train',
      step: 3,
      totalSteps: 10,
      epoch: 1,
      trainLoss: [0.5],
    });
    let job = (await get(f.app, '/v1/distill/d-1')).json;
    expect(job).toMatchObject({ status: 'running', attempt: 1, workerId: 'w1', progress: { phase: 'train', step: 3, totalSteps: 10 } });

    // The worker died; BullMQ's retry is attempt 2, and a late message of attempt 1 changes nothing.
    recordMessage(f.db, { kind: 'distill-failed', ...base, attempt: 1, reason: 'ThreadCrash: exited', final: false });
    recordMessage(f.db, { kind: 'distill-started', ...base, attempt: 2, at: '2026-11-29T05:32:00.000Z' });
    const stale = recordMessage(f.db, {
      kind: 'distill-progress',
      distillId: 'd-1',
      attempt: 1,
      phase: 'train',
      step: 9,
      totalSteps: 10,
      epoch: 2,
    });
    expect(stale.outcome).toBe('skipped');
    const metrics = [{ layer: 1, untrainedKd: 0.002, trainedKd: 0.0003 }];
    const corpus = { id: 'pd-mix-v1', source: 'x', trainTokens: 644, heldOutTokens: 180 };
    const result = {
      kind: 'distill-result',
      ...base,
      attempt: 2,
      version: '20261129T053000Z-0badc0de',
      modelSha256: 'ab'.repeat(32),
      metrics,
      corpus,
    };
    recordMessage(f.db, { ...result, kind: 'distill-result', trainSeconds: 5.5, at: '2026-11-29T05:33:00.000Z' });
    job = (await get(f.app, '/v1/distill/d-1')).json;
    expect(job).toMatchObject({
      status: 'done',
      attempt: 2,
      version: '20261129T053000Z-0badc0de',
      metrics,
      corpus,
      trainSeconds: 5.5,
      error: null,
    });
    expect(job.finishedAt).toBe('2026-11-29T05:33:00.000Z');

    expect((await get(f.app, '/v1/distill?model=forge:gpt2-tiny')).json.jobs.map((j: { id: string }) => j.id)).toEqual(['d-1']);
    expect((await get(f.app, '/v1/distill')).json.jobs.map((j: { id: string }) => j.id)).toEqual(['d-2', 'd-1']);
    const missing = await get(f.app, '/v1/distill/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('no distill job with id "nope"');
  });
});
