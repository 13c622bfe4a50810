import { TRAIN_QUEUES, type TrainJob, trainCancelKey } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.ts';
import { publishRecorderOutcomes } from '../events/recorder-events.ts';
import { recordMessage } from '../recorder/record-message.ts';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { createTrainEnqueuer, type TrainEnqueuer } from './train-enqueuer.ts';

let redis: RedisFixture;
let train: TrainEnqueuer;
let f: AppFixture;
let ids: string[];
beforeAll(async () => {
  redis = await startRedisFixture();
  train = createTrainEnqueuer(redis.connection, { onError: () => {} });
});
afterAll(async () => {
  await train.close();
  await redis.close();
});
beforeEach(async () => {
  await redis.connection.flushall();
  ids = ['t-1', 't-2', 't-3'];
  f = createAppFixture(redis, {
    train,
    maxTrainBytes: 2 * 1024 ** 3,
    newId: () => ids.shift() ?? 't-x',
    now: () => new Date(Date.UTC(2026, 11, 3, 9, 0, 0)),
  });
});
afterEach(() => f.close());

const shape = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64 };

describe('POST /v1/train', () => {
  it('stores and queues a pretraining job on train-<device> with jobId = id', async () => {
    const res = await post(f.app, '/v1/train', { shape, steps: 5, batchSize: 2, seqLen: 32 });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id: 't-1', kind: 'pretrain', status: 'queued', request: { corpus: 'kjv', steps: 5 }, curve: [] });
    const job = await new Queue<TrainJob>(TRAIN_QUEUES.cpu, { connection: redis.connection }).getJob('t-1');
    expect(job?.data).toMatchObject({ trainId: 't-1', request: { kind: 'pretrain', shape: { nLayer: 2 } } });
    expect(job?.opts.attempts).toBe(3);
  });

  it('400 names the field: zero steps, an unknown corpus, a shape over the worker’s memory, a foreign tokenizer', async () => {
    const res = await post(f.app, '/v1/train', { shape, steps: 0, corpus: 'wiki' });
    expect(res.status).toBe(400);
    const at = (path: string) => res.json.issues.find((i: { path: string }) => i.path === path)?.message ?? '';
    expect(at('steps')).toMatch(/at least 1/);
    expect(at('corpus')).toMatch(/"kjv"/);
    // Shape checks run once the fields parse.
    const big = await post(f.app, '/v1/train', {
      shape: { ...shape, nLayer: 48, nEmbd: 4096, nHead: 16, vocabSize: 8000 },
      steps: 1,
      seqLen: 64,
    });
    const bigAt = (path: string) => big.json.issues.find((i: { path: string }) => i.path === path)?.message ?? '';
    expect(bigAt('shape')).toMatch(/needs about .* GiB .* the worker allows 2\.00 GiB/);
    expect(bigAt('shape.vocabSize')).toMatch(/GPT-2's BPE/);
    expect(await train.queues.cpu.getJobCounts()).toMatchObject({ waiting: 0 });
  });
});

describe('POST /v1/distill kind student', () => {
  it('queues a student job from the teacher’s first layers; a student with another tokenizer is a 400 naming it', async () => {
    const ok = await post(f.app, '/v1/distill', { kind: 'student', teacher: 'forge:gpt2-tiny', student: { firstLayers: 1 }, tokens: 4096 });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ kind: 'student', request: { teacher: 'forge:gpt2-tiny', temperature: 2, alpha: 0.9 } });
    expect(await train.queues.cpu.getJob('t-1')).toBeDefined();
    const bad = await post(f.app, '/v1/distill', {
      kind: 'student',
      teacher: 'forge:gpt2-tiny',
      student: { ...shape, vocabSize: 32000 },
      steps: 1,
      seqLen: 32,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([expect.objectContaining({ path: 'student.vocabSize' })]);
  });
});

describe('progress, SSE and cancel', () => {
  it('records progress into the curve, streams a train event, publishes the model id; cancel stops a queued job', async () => {
    const bus = createEventBus();
    const events: unknown[] = [];
    bus.subscribe((e) => events.push(e));
    const onOutcome = publishRecorderOutcomes(f.db, bus);
    await post(f.app, '/v1/train', { shape, steps: 2, batchSize: 2, seqLen: 32 });
    const apply = (m: Parameters<typeof recordMessage>[1]) =>
      onOutcome({ jobId: 'x', kind: m.kind, ...recordMessage(f.db, m), subject: null });
    apply({ kind: 'train-started', trainId: 't-1', attempt: 1, workerId: 'w1', resumedFrom: 0, at: '2026-12-03T09:00:01.000Z' });
    const p = { trainId: 't-1', attempt: 1, totalSteps: 2, tokensSeen: 64, tokensPerSecond: 100, etaSeconds: 1 };
    apply({ kind: 'train-progress', ...p, step: 1, trainLoss: 10.8 });
    apply({ kind: 'train-progress', ...p, step: 2, trainLoss: 10.1, heldOutLoss: 10.3 });
    const outcome = {
      modelId: 'trained:x@v1',
      version: 'v1',
      steps: 2,
      tokensSeen: 128,
      heldOutLoss: 10.3,
      heldOutPerplexity: 29732,
      trainSeconds: 1,
    };
    apply({ kind: 'train-result', trainId: 't-1', attempt: 1, workerId: 'w1', ...outcome, at: '2026-12-03T09:00:03.000Z' });
    const job = (await get(f.app, '/v1/train/t-1')).json;
    expect(job).toMatchObject({
      status: 'done',
      modelId: outcome.modelId,
      curve: [
        { step: 1, trainLoss: 10.8 },
        { step: 2, heldOutLoss: 10.3 },
      ],
    });
    expect(events.at(-1)).toMatchObject({ type: 'train', data: { jobs: [{ id: 't-1', status: 'done' }] } });

    await post(f.app, '/v1/train', { shape, steps: 2, seqLen: 32 });
    const cancelled = await post(f.app, '/v1/train/t-2/cancel', {});
    expect(cancelled.status).toBe(202);
    expect(cancelled.json.status).toBe('cancelled');
    expect(await train.queues.cpu.getJob('t-2')).toBeUndefined();
    expect(await redis.connection.get(trainCancelKey('t-2'))).toBe('1');
    expect((await post(f.app, '/v1/train/t-1/cancel', {})).status).toBe(409);

    // A job done before trained: ids reported the folder's dir: id: it is shown as stored.
    await post(f.app, '/v1/train', { shape, steps: 2, seqLen: 32 });
    const legacy = { ...outcome, modelId: 'dir:/m/trained/x/v0', version: 'v0' };
    apply({ kind: 'train-result', trainId: 't-3', attempt: 1, workerId: 'w1', ...legacy, at: '2026-12-03T09:00:05.000Z' });
    expect((await get(f.app, '/v1/train/t-3')).json).toMatchObject({ status: 'done', modelId: legacy.modelId, version: 'v0' });
  });
});
