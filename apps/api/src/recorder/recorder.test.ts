import { RESULTS_QUEUE, type ResultMessage, resultJobId } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_MODEL_BYTES, syntheticCellResult } from '../../../../test/helpers/synthetic-result.ts';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { type RecorderOutcome, startRecorder } from './recorder.ts';

let redis: RedisFixture;
let f: AppFixture;
let recorder: { close: () => Promise<void> };
let results: Queue;
const outcomes: RecorderOutcome[] = [];
const warnings: string[] = [];
let waiters: { count: number; resolve: () => void }[] = [];

beforeAll(async () => {
  redis = await startRedisFixture();
  f = createAppFixture(redis);
  results = new Queue(RESULTS_QUEUE, { connection: redis.connection });
  recorder = startRecorder({
    db: f.db,
    connection: redis.connection,
    log: { info: () => {}, warn: (line: string) => warnings.push(line), error: (line: string) => warnings.push(line) },
    onOutcome: (outcome) => {
      outcomes.push(outcome);
      const ready = waiters.filter((w) => outcomes.length >= w.count);
      waiters = waiters.filter((w) => outcomes.length < w.count);
      for (const w of ready) w.resolve();
    },
  });
});
afterAll(async () => {
  await recorder.close();
  await results.close();
  f.close();
  await redis.close();
});

/** Publishes messages and resolves with the recorder's outcomes for them. */
async function publish(...messages: { data: unknown; jobId?: string }[]): Promise<RecorderOutcome[]> {
  const before = outcomes.length;
  const done = new Promise<void>((resolve) => waiters.push({ count: before + messages.length, resolve }));
  for (const m of messages) await results.add((m.data as { kind?: string }).kind ?? 'unknown', m.data, m.jobId ? { jobId: m.jobId } : {});
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('recorder did not answer in 10 s')), 10_000))]);
  return outcomes.slice(before);
}

describe('recorder', () => {
  it('records a cell from start to result once, ignoring duplicates, and serves its percentiles', async () => {
    const prompts = ['a', 'b'];
    const created = await post(f.app, '/v1/experiments', {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'int8', cache: true }],
      prompts,
      repetitions: 2,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const experimentId: string = created.json.id;
    // The response's cell configs leave the prompts to the experiment; a worker's result has them.
    const cell = created.json.cells[0] as { id: string; config: Omit<Parameters<typeof syntheticCellResult>[0]['config'], 'prompts'> };

    const started: ResultMessage = {
      kind: 'cell-started',
      cellId: cell.id,
      experimentId,
      attempt: 1,
      workerId: 'worker-test',
      at: new Date().toISOString(),
    };
    expect((await publish({ data: started }))[0]).toMatchObject({ kind: 'cell-started', outcome: 'recorded' });
    expect((await get(f.app, `/v1/experiments/${experimentId}`)).json).toMatchObject({
      status: 'running',
      cells: [{ status: 'running', attempt: 1 }],
    });

    const result: ResultMessage = {
      kind: 'cell-result',
      ...syntheticCellResult({ cellId: cell.id, experimentId, config: { ...cell.config, prompts } }),
    };
    const first = await publish({ data: result, jobId: resultJobId(cell.id, 1) });
    expect(first[0]).toMatchObject({
      jobId: resultJobId(cell.id, 1),
      outcome: 'recorded',
      detail: expect.stringContaining('4 requests, 11 token events'),
    });
    // Same job id again: BullMQ drops it. A result of another attempt: the recorder skips it.
    await results.add('cell-result', result, { jobId: resultJobId(cell.id, 1) });
    const second = await publish({ data: { ...result, attempt: 2 }, jobId: resultJobId(cell.id, 2) });
    expect(second[0]).toMatchObject({ jobId: resultJobId(cell.id, 2), outcome: 'skipped', detail: `cell ${cell.id}: already-done` });
    expect(outcomes.filter((o) => o.kind === 'cell-result')).toHaveLength(2);
    expect(f.sqlite.prepare('select count(*) from requests').pluck().get()).toBe(4);
    expect(f.sqlite.prepare('select count(*) from token_events').pluck().get()).toBe(11);

    const res = await get(f.app, `/v1/experiments/${experimentId}/results`);
    expect(res.status).toBe(200);
    expect(res.json.experiment).toMatchObject({ id: experimentId, status: 'done', progress: { total: 1, done: 1 } });
    const summary = res.json.cells[0];
    // Hand-worked in test/helpers/synthetic-result.ts: TTFT 10 12 16 20, E2EL 30 32 50 56 (sorted), h = 3p.
    expect(summary.ttft.p50).toBeCloseTo(14, 9);
    expect(summary.ttft.p95).toBeCloseTo(19.4, 9);
    expect(summary.ttft.p99).toBeCloseTo(19.88, 9);
    expect(summary.e2el.p50).toBeCloseTo(41, 9);
    expect(summary.e2el.p99).toBeCloseTo(55.82, 9);
    expect(summary.tpot).toMatchObject({ n: 4, p50: 10, mean: 17.5 });
    expect(summary.throughput.tokensPerS).toBeCloseTo(12 / 0.196, 9);
    expect(summary.seed).toMatchObject({
      mode: 'int8 cache in-place', // forge gpt2 with the cache: kvLayout "auto" is in place
      dtype: 'int8',
      use_cache: true,
      model_size_MB: HAND_MODEL_BYTES / 2 ** 20,
      tokens_generated: 3,
    });
    expect(summary.seed.time_s).toBeCloseTo(0.041, 12);
    expect(summary.seed.tokens_per_s).toBeCloseTo(86.875, 9);
    expect(summary.peakRssBytes).toBe(123_456_789);

    // A late start or failure never downgrades the done cell.
    const late = await publish(
      { data: { ...started, attempt: 3 } },
      { data: { kind: 'cell-failed', cellId: cell.id, experimentId, attempt: 3, workerId: 'w', reason: 'boom', final: true } },
    );
    expect(late.map((o) => o.outcome)).toEqual(['skipped', 'skipped']);
    expect((await get(f.app, `/v1/cells/${cell.id}`)).json).toMatchObject({ status: 'done', error: null });
  });

  it('discards an invalid message with a warning and keeps going', async () => {
    const [invalid, heartbeat, progress] = await publish(
      { data: { kind: 'cell-result', cellId: 'x' } },
      {
        data: {
          kind: 'worker-heartbeat',
          worker: {
            id: 'w-1',
            host: 'h',
            deviceClass: 'cpu',
            executionProvider: 'cpu',
            threads: 2,
            pid: 7,
            versions: {},
            startedAt: new Date().toISOString(),
          },
          currentCellId: null,
          at: new Date().toISOString(),
        },
      },
      { data: { kind: 'cell-progress', cellId: 'c', experimentId: 'e', attempt: 1, done: 1, total: 4 } },
    );
    expect(invalid).toMatchObject({ kind: 'cell-result', outcome: 'invalid', detail: expect.stringContaining('experimentId') });
    expect(warnings.some((w) => w.includes('discarding invalid cell-result'))).toBe(true);
    expect(heartbeat).toMatchObject({ kind: 'worker-heartbeat', outcome: 'recorded' });
    expect(progress).toMatchObject({ kind: 'cell-progress', outcome: 'ignored' });
    expect((await get(f.app, '/v1/workers')).json.workers).toEqual([expect.objectContaining({ id: 'w-1', status: 'alive' })]);
  });
});
