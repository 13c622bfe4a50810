// The answers the document describes, from the real app over a real SQLite file and real queues:
// each parses with the zod schema the document was generated from, under the status it documents.
import {
  cellPositionsSchema,
  distillSubmittedSchema,
  experimentCancelledSchema,
  experimentEnqueuedSchema,
  experimentSubmittedSchema,
  historyAnswerSchema,
  storedCellViewSchema,
  trainJobViewSchema,
  workerNoiseSchema,
} from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { seedBrowse } from '../../../../test/helpers/browse-seed.ts';
import { createDistillEnqueuer, type DistillEnqueuer } from '../distill/distill-enqueuer.ts';
import { type AppFixture, createAppFixture, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { createTrainEnqueuer, type TrainEnqueuer } from '../train/train-enqueuer.ts';
import { OPENAPI_PATH } from './openapi-document.ts';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

let redis: RedisFixture;
let train: TrainEnqueuer;
let distill: DistillEnqueuer;
let f: AppFixture;
let doc: Doc;
let seed: ReturnType<typeof seedBrowse>;
beforeAll(async () => {
  redis = await startRedisFixture();
  train = createTrainEnqueuer(redis.connection, { onError: () => {} });
  distill = createDistillEnqueuer(redis.connection, { onError: () => {} });
  f = createAppFixture(redis, { train, enqueueDistill: distill.enqueue, maxTrainBytes: 2 * 1024 ** 3 });
  seed = seedBrowse({ db: f.db, sqlite: f.sqlite });
  doc = (await (await f.app.request(OPENAPI_PATH)).json()) as Doc;
});
afterAll(async () => {
  f?.close();
  await train?.close();
  await distill?.close();
  await redis?.close();
});

/** Sends the request, checks its status is the 2xx the document names for the route, and parses the body. */
async function described<S extends z.ZodType>(method: 'GET' | 'POST', path: string, route: string, schema: S, body?: unknown) {
  const res = await f.app.request(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json: unknown = await res.json();
  const documented = Object.keys(doc.paths[route]?.[method.toLowerCase()]?.responses ?? {}).filter((s) => s.startsWith('2'));
  // The body rides along so that a refusal shows why.
  expect({ route, status: res.status, ...(res.ok ? {} : { json }) }).toEqual({ route, status: Number(documented[0]) });
  return schema.parse(json) as z.infer<S>;
}

describe('answers parse with the schemas the document names', () => {
  it('experiments: submit (201), enqueue, cancel', async () => {
    const matrix = { models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], variants: [{ dtype: 'fp32', cache: true }], maxNewTokens: [4] };
    const submitted = await described('POST', '/v1/experiments', '/v1/experiments', experimentSubmittedSchema, matrix);
    expect(submitted).toMatchObject({ prompts: 2, cells: [{ config: { model: 'forge:gpt2-tiny' } }] });
    expect(submitted.cells[0]?.config).not.toHaveProperty('prompts');
    const { id } = submitted;
    const enqueued = await described('POST', `/v1/experiments/${id}/enqueue`, '/v1/experiments/{id}/enqueue', experimentEnqueuedSchema);
    expect(enqueued).toEqual({ id, enqueued: 1 });
    const cancelled = await described('POST', `/v1/experiments/${id}/cancel`, '/v1/experiments/{id}/cancel', experimentCancelledSchema);
    expect(cancelled).toMatchObject({ id, cancelled: 1, queued: 1 });
  });

  it('cells: the stored cell (prompts left to the experiment) and latency by position', async () => {
    const cellId = seed.historyCells[0]?.cellId ?? '';
    const cell = await described('GET', `/v1/cells/${cellId}`, '/v1/cells/{id}', storedCellViewSchema);
    expect(cell.id).toBe(cellId);
    const positions = await described('GET', `/v1/cells/${cellId}/positions?bucket=2`, '/v1/cells/{id}/positions', cellPositionsSchema);
    expect(positions.bucketSize).toBe(2);
    expect(positions.buckets.length).toBeGreaterThan(0);
  });

  it('history: the overview and one key', async () => {
    const overview = await described('GET', '/v1/history', '/v1/history', historyAnswerSchema);
    expect('keys' in overview && overview.keys.length).toBeGreaterThan(0);
    const key = 'keys' in overview ? (overview.keys[0]?.key ?? '') : '';
    const ofKey = await described('GET', `/v1/history?key=${key}`, '/v1/history', historyAnswerSchema);
    expect('series' in ofKey && ofKey.series.length).toBe(2);
  });

  it('a worker’s A/A noise floor', async () => {
    const noise = await described('GET', '/v1/workers/worker-host-a/noise', '/v1/workers/{id}/noise', workerNoiseSchema);
    expect(noise.pairs.length).toBeGreaterThan(0);
  });

  it('train: submit (201) and cancel (202); distill: submit (201) of heads and of a student', async () => {
    const shape = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64 };
    const job = await described('POST', '/v1/train', '/v1/train', trainJobViewSchema, { shape, steps: 5, batchSize: 2, seqLen: 32 });
    const cancelled = await described('POST', `/v1/train/${job.id}/cancel`, '/v1/train/{id}/cancel', trainJobViewSchema);
    expect(cancelled.status).toBe('cancelled');
    const heads = await described('POST', '/v1/distill', '/v1/distill', distillSubmittedSchema, { model: 'forge:gpt2-tiny', layers: [1] });
    expect(heads).toMatchObject({ model: 'forge:gpt2-tiny', status: 'queued' });
    const student = { kind: 'student', teacher: 'forge:gpt2-tiny', student: { firstLayers: 1 }, tokens: 4096 };
    expect(await described('POST', '/v1/distill', '/v1/distill', distillSubmittedSchema, student)).toMatchObject({ kind: 'student' });
  });
});
