// The client against the real api app (SQLite, no Redis) on a real port, with read and write tokens required.
import { createEventBus, type EventBus } from '@inferlab/api/src/events/event-bus.ts';
import { type AppFixture, createAppFixture, serveApp } from '@inferlab/api/src/test-harness.ts';
import type * as Views from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { HOSTILE_NAME, syntheticReportInput } from '../../../test/helpers/report-input.ts';
import { answer } from './answer.ts';
import type * as Answers from './answer-types.ts';
import { ApiError } from './api-error.ts';
import { type ClientOptions, createInferlabClient, idParam, jsonText } from './create-client.ts';
import { serverEvents } from './server-events.ts';

let f: AppFixture;
let bus: EventBus;
let server: Awaited<ReturnType<typeof serveApp>>;
const tokens = (read: string | null, write: string | null): ClientOptions => ({
  baseUrl: server.url,
  readToken: () => read,
  writeToken: () => write,
});
beforeAll(async () => {
  bus = createEventBus();
  f = createAppFixture(null, { access: { writeTokens: ['w-token'], readTokens: ['r-token'] }, events: bus });
  await syntheticReportInput(f.db);
  server = await serveApp(f.app);
});
afterAll(async () => {
  await server?.close();
  f?.close();
});

describe('createInferlabClient', () => {
  it('reads with the read token; 401 without one, as an ApiError that says a token is needed', async () => {
    const client = createInferlabClient(tokens('r-token', null));
    const experiment = await answer(client.v1.experiments[':id'].$get(idParam('exp-report')));
    expect(experiment.name).toBe(HOSTILE_NAME);
    const refused = await answer(createInferlabClient(tokens(null, 'w-token')).v1.experiments[':id'].$get(idParam('exp-report'))).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 401, needsToken: true, routeMissing: false });
  });

  it('writes with the write token, never the read token', async () => {
    const cancel = (options: ClientOptions) =>
      answer(createInferlabClient(options).v1.experiments[':id'].cancel.$post(idParam('exp-report'))).catch((e: unknown) => e);
    // The read token stays home: the POST goes without a token (401), not with the read one (403).
    expect(await cancel(tokens('r-token', null))).toMatchObject({ status: 401, needsToken: true });
    expect(await cancel(tokens(null, 'r-token'))).toMatchObject({ status: 403, needsToken: true });
    const cancelled = await answer(
      createInferlabClient(tokens('r-token', 'w-token')).v1.experiments[':id'].cancel.$post(idParam('exp-report')),
    );
    expect(cancelled).toMatchObject({ id: 'exp-report', cancelled: 1, queued: 1 });
  });

  it('sends a body as written, and turns the field messages of a refusal into issues', async () => {
    const client = createInferlabClient(tokens(null, 'w-token'));
    const matrix = { models: ['forge:gpt2-tiny'], prompts: [], variants: [{ dtype: 'fp33', cache: true }] };
    const err = (await answer(client.v1.experiments.$post({}, jsonText(JSON.stringify(matrix)))).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({ status: 400, code: 'invalid_matrix' });
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['prompts', 'variants.0.dtype']));
    const broken = (await answer(client.v1.experiments.$post({}, jsonText('{"models": ['))).catch((e: unknown) => e)) as ApiError;
    expect(broken).toMatchObject({ status: 400, code: 'invalid_json', issues: [] });
  });

  // After the cancel above: the third cell, queued before, is cancelled now.
  it('reads results and tokens typed by the routes', async () => {
    const client = createInferlabClient(tokens('r-token', null));
    const results = await answer(client.v1.experiments[':id'].results.$get(idParam('exp-report')));
    expect(results.cells.map((c) => c.status)).toEqual(['done', 'done', 'cancelled']);
    const tokensOf = await answer(client.v1.cells[':id'].tokens.$get(idParam(results.cells[0]?.cellId ?? '')));
    expect(tokensOf.requests).toHaveLength(4);
  });

  it('keeps an id in its own path segment (encoded), so it cannot reach another route', async () => {
    const client = createInferlabClient(tokens('r-token', null));
    const err = (await answer(client.v1.experiments[':id'].$get(idParam('exp-report/results'))).catch((e: unknown) => e)) as ApiError;
    expect(err).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'no experiment with id "exp-report/results"',
      routeMissing: false,
    });
  });

  it('says the api did not answer, and what to do, when nothing listens', async () => {
    const closed = await serveApp(f.app);
    await closed.close(); // a port that was just free: nothing listens there now
    const client = createInferlabClient({ baseUrl: closed.url, unreachableHint: 'start it with `npm run api`' });
    const err = (await answer(client.v1.workers.$get()).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 0, code: 'network' });
    expect(err.message).toBe(
      `the api at ${closed.url} did not answer (connect ECONNREFUSED ${closed.url.slice(7)}); start it with \`npm run api\``,
    );
  });
});

describe('serverEvents', () => {
  it('streams the api’s events with the read token as a header', async () => {
    const stop = new AbortController();
    const events = serverEvents(tokens('r-token', null), stop.signal);
    const first = events.next();
    // The subscription exists once the stream is open: publish until it is read.
    const publish = setInterval(() => bus.publish({ type: 'workers', data: { workers: [] } }), 20);
    try {
      expect((await first).value).toEqual({ event: 'workers', data: '{"workers":[]}' });
    } finally {
      clearInterval(publish);
      stop.abort();
      await events.return(undefined);
    }
    const refused = await serverEvents(tokens(null, null), new AbortController().signal)
      .next()
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401, needsToken: true });
  });
});

describe('answer types', () => {
  it('fit the api-views schemas the OpenAPI document describes the same answers with', () => {
    expectTypeOf<Answers.Submitted>().toExtend<Views.ExperimentSubmitted>();
    expectTypeOf<Answers.ExperimentPageBody>().toExtend<Views.ExperimentListPage>();
    expectTypeOf<Answers.ExperimentBody>().toExtend<Views.ExperimentView>();
    expectTypeOf<Answers.ResultsBody>().toExtend<Views.ExperimentResults>();
    expectTypeOf<Answers.Enqueued>().toExtend<Views.ExperimentEnqueued>();
    expectTypeOf<Answers.CancelOutcome>().toExtend<Views.ExperimentCancelled>();
    expectTypeOf<Answers.ExperimentOutputsBody>().toExtend<Views.ExperimentOutputs>();
    expectTypeOf<Answers.CellBody>().toExtend<z.infer<typeof Views.storedCellViewSchema>>();
    expectTypeOf<Answers.TokensBody>().toExtend<Views.CellTokens>();
    expectTypeOf<Answers.PositionsBody>().toExtend<Views.CellPositions>();
    expectTypeOf<Answers.CellOutputsBody>().toExtend<Views.CellOutputs>();
    expectTypeOf<Answers.HistoryBody>().toExtend<Views.HistoryAnswer>();
    expectTypeOf<Answers.ComparisonBody>().toExtend<Views.Comparison>();
    expectTypeOf<Answers.DistillSubmitted>().toExtend<Views.DistillSubmitted>();
    expectTypeOf<Answers.DistillJobsBody>().toExtend<{ jobs: Views.DistillJobView[] }>();
    expectTypeOf<Answers.DistillJobBody>().toExtend<Views.DistillJobView>();
    expectTypeOf<Answers.TrainSubmitted>().toExtend<Views.TrainJobView>();
    expectTypeOf<Answers.TrainJobsBody>().toExtend<{ jobs: Views.TrainJobView[] }>();
    expectTypeOf<Answers.TrainJobBody>().toExtend<Views.TrainJobView>();
    expectTypeOf<Answers.TrainCancelled>().toExtend<Views.TrainJobView>();
    expectTypeOf<Answers.WorkersBody>().toExtend<z.infer<typeof Views.workersListSchema>>();
    expectTypeOf<Answers.NoiseBody>().toExtend<Views.WorkerNoiseView>();
    expectTypeOf<Answers.QueuesBody>().toExtend<{ queues: Views.QueueDepth[] }>();
    expectTypeOf<Answers.ExperimentEvent>().toExtend<Views.ExperimentEvent>();
  });
});
