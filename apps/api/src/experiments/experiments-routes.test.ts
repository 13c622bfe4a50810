import { getExperiment, listExperiments } from '@inferlab/db';
import { CELL_QUEUES, DTYPES, promptsKey } from '@inferlab/experiments';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';

let redis: RedisFixture;
let f: AppFixture;
beforeAll(async () => {
  redis = await startRedisFixture();
});
afterAll(async () => {
  await redis.close();
});
beforeEach(async () => {
  await redis.connection.flushall();
  f = createAppFixture(redis, { maxCells: 8 });
});
afterEach(() => f.close());

const valid = {
  name: 'seed',
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: false },
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['Explain briefly why KV caching helps.'],
  maxNewTokens: [8],
  devices: ['cpu'],
  repetitions: 2,
  warmup: 0,
};

describe('POST /v1/experiments', () => {
  it('stores the experiment and its cells, then enqueues one job per cell with jobId = cell id', async () => {
    const res = await post(f.app, '/v1/experiments', { ...valid, devices: ['cpu', 'cuda'] });
    expect(res.status).toBe(201);
    expect(res.json.cells).toHaveLength(6);
    const stored = getExperiment(f.db, res.json.id);
    expect(stored?.cells.map((c) => c.id)).toEqual(res.json.cells.map((c: { id: string }) => c.id));
    expect(stored?.progress).toMatchObject({ total: 6, queued: 6 });

    for (const cell of res.json.cells as { id: string; config: { device: 'cpu' | 'cuda' } }[]) {
      const queue = redis.enqueuer.queues[cell.config.device];
      expect(queue.name).toBe(CELL_QUEUES[cell.config.device]);
      const job = await queue.getJob(cell.id);
      expect(job?.id).toBe(cell.id);
      expect(job?.name).toBe('cell');
      // The prompts are the experiment's: once in Redis under promptsKey, not in each job.
      expect(job?.data).toEqual({ experimentId: res.json.id, cellId: cell.id, config: cell.config, promptsKey: promptsKey(res.json.id) });
      expect(cell.config).not.toHaveProperty('prompts');
      expect(job?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 1000 } });
    }
    expect(JSON.parse((await redis.connection.get(promptsKey(res.json.id))) ?? 'null')).toEqual(valid.prompts);
    expect(await redis.enqueuer.queues.cpu.getJobCounts('waiting')).toEqual({ waiting: 3 });
    expect(await redis.enqueuer.queues.cuda.getJobCounts('waiting')).toEqual({ waiting: 3 });
  });

  it('re-enqueueing queued cells is a no-op while their jobs exist', async () => {
    const { json } = await post(f.app, '/v1/experiments', valid);
    const again = await post(f.app, `/v1/experiments/${json.id}/enqueue`, {});
    expect(again).toEqual({ status: 200, json: { id: json.id, enqueued: 3 } });
    expect(await redis.enqueuer.queues.cpu.getJobCounts('waiting')).toEqual({ waiting: 3 });
  });

  it.each([
    [
      'a wrong dtype',
      { variants: [{ dtype: 'bf16', cache: true }] },
      'variants.0.dtype',
      `expected one of ${DTYPES.map((d) => JSON.stringify(d)).join(' | ')}, got "bf16"`,
    ],
    ['missing prompts', { prompts: undefined }, 'prompts', 'required field is missing'],
    ['a typo in a key', { max_new_tokens: [8] }, 'max_new_tokens', 'unknown field max_new_tokens; did you mean maxNewTokens?'],
    ['negative repetitions', { repetitions: -3 }, 'repetitions', 'must be at least 1, got -3'],
    [
      'a bad model id',
      { models: ['gpt2'] },
      'models.0',
      'invalid model id "gpt2": expected forge:<name>, hf:<org>/<name>[@<revision>], dir:<path> or trained:<name>@<version>',
    ],
    [
      'an unknown forge model',
      { models: ['forge:gpt2-huge'] },
      'models.0',
      'unknown forge model "gpt2-huge"; known forge models: gpt2-tiny, gpt2-small',
    ],
    [
      'a batch size above 1 with beam search',
      { batchSizes: [2], decoding: [{ strategy: 'beam' }], variants: [{ dtype: 'fp32', cache: true }] },
      'batchSizes',
      'batch sizes above 1 run greedy or sample only, and the matrix also has beam; submit those with batchSizes [1] in another experiment',
    ],
  ])('answers 400 naming the field for %s', async (_, change, path, message) => {
    const res = await post(f.app, '/v1/experiments', { ...valid, ...change });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_matrix');
    expect(res.json.issues).toEqual([{ path, message }]);
    expect(res.json.message).toBe(`invalid matrix: ${path}: ${message}`);
    expect(listExperiments(f.db)).toEqual([]);
  });

  it('answers 422 over the cell cap, storing and enqueueing nothing', async () => {
    const res = await post(f.app, '/v1/experiments', { ...valid, maxNewTokens: [8, 16, 32] }); // 9 cells, cap 8
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'too_many_cells', cells: 9, limit: 8 });
    expect(res.json.message).toMatch(/9 cells, over the limit of 8/);
    expect(listExperiments(f.db)).toEqual([]);
    expect(await redis.enqueuer.queues.cpu.count()).toBe(0);
  });

  it('answers 400 invalid_json for a malformed body', async () => {
    const res = await post(f.app, '/v1/experiments', '{"models": [');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_json');
    expect(res.json.message).toMatch(/not valid JSON/);
  });

  it('answers 503 but keeps the experiment when the queue is down, and can resume', async () => {
    let queueUp = false;
    const enqueued: string[] = [];
    const down = createAppFixture(null, {
      enqueue: async (jobs) => {
        if (!queueUp) throw new Error('connection refused');
        enqueued.push(...jobs.map((j) => j.cellId));
      },
    });
    try {
      const res = await post(down.app, '/v1/experiments', valid);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ error: 'queue_unavailable', id: expect.any(String) });
      expect(res.json.message).toBe(
        `experiment ${res.json.id} is saved but its cells could not be queued (connection refused); retry with POST /v1/experiments/${res.json.id}/enqueue`,
      );
      const stored = getExperiment(down.db, res.json.id);
      expect(stored?.progress.queued).toBe(3);
      queueUp = true;
      expect(await post(down.app, `/v1/experiments/${res.json.id}/enqueue`, {})).toEqual({
        status: 200,
        json: { id: res.json.id, enqueued: 3 },
      });
      expect(enqueued).toEqual(stored?.cells.map((c) => c.id));
    } finally {
      down.close();
    }
  });
});

describe('GET /v1/experiments', () => {
  it('lists experiments and shows one with progress and cells', async () => {
    const { json: created } = await post(f.app, '/v1/experiments', valid);
    const list = await get(f.app, '/v1/experiments');
    expect(list.status).toBe(200);
    expect(list.json.experiments).toEqual([
      {
        id: created.id,
        name: 'seed',
        createdAt: expect.any(String),
        status: 'queued',
        progress: { total: 3, queued: 3, running: 0, done: 0, failed: 0, cancelled: 0 },
        models: ['forge:gpt2-tiny'],
        durationMs: null,
      },
    ]);
    const one = await get(f.app, `/v1/experiments/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: created.id, status: 'queued', matrix: { name: 'seed', repetitions: 2 }, progress: { total: 3 } });
    expect(one.json.cells[0]).toEqual({
      id: created.cells[0].id,
      index: 0,
      status: 'queued',
      attempt: 0,
      error: null,
      config: created.cells[0].config,
    });
  });

  it('answers 404 JSON for an unknown experiment and an unknown route', async () => {
    expect(await get(f.app, '/v1/experiments/nope')).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'no experiment with id "nope"' },
    });
    expect((await get(f.app, '/v1/experiments/nope/results')).status).toBe(404);
    expect(await get(f.app, '/v2/anything')).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'no route for GET /v2/anything' },
    });
  });
});
