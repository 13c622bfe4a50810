import { randomUUID } from 'node:crypto';
import { cancelQueuedTrainJob, createTrainJob, getTrainJob, listTrainJobs } from '@inferlab/db';
import { DEFAULT_TRAIN_MAX_BYTES, InvalidTrainRequestError, parseTrainRequest, type TrainJobRequest } from '@inferlab/experiments';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { readJson } from '../http/read-json.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { trainView } from './train-view.ts';

// Training jobs: pretraining (POST /v1/train) and student distillation (POST /v1/distill with kind
// "student", which lands here through submitTrainJob). The worker that runs one publishes a
// versioned folder under its models dir, named by a trained:<name>@<version> model id any matrix can
// use on workers sharing that models dir.

/** Validates, stores (SQLite first, so the worker's messages find their row) and queues one train job. */
export async function submitTrainJob(c: Context, deps: AppDeps, parse: () => TrainJobRequest) {
  let request: TrainJobRequest;
  try {
    request = parse();
  } catch (err) {
    if (err instanceof InvalidTrainRequestError)
      return jsonError(c, 400, 'invalid_train_request', err.message, { issues: err.issues, issueCount: err.issueCount });
    throw err;
  }
  if (deps.train === undefined) return jsonError(c, 503, 'queue_unavailable', 'this api has no train queue configured');
  const id = (deps.newId ?? randomUUID)();
  const createdAt = (deps.now?.() ?? new Date()).toISOString();
  const row = createTrainJob(deps.db, { id, request, createdAt });
  try {
    await deps.train.enqueue({ trainId: id, request, createdAt });
  } catch (err) {
    const why = `train job ${id} is stored but could not be queued (${(err as Error).message}); submit it again once Redis is back`;
    return jsonError(c, 503, 'queue_unavailable', why, { id });
  }
  return c.json(trainView(row), 201);
}

/** `POST /v1/train`, `GET /v1/train`, `GET /v1/train/:id`, `POST /v1/train/:id/cancel`. */
export function trainRoutes(deps: AppDeps) {
  const limits = { knownForgeModels: deps.knownForgeModels, maxTrainBytes: deps.maxTrainBytes ?? DEFAULT_TRAIN_MAX_BYTES };
  return new Hono()
    .post('/', DOCS.submitTrain, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return body.response;
      return submitTrainJob(c, deps, () => parseTrainRequest(body.value, limits));
    })
    .get('/', DOCS.listTrain, (c) => c.json({ jobs: listTrainJobs(deps.db).map(trainView) }))
    .get('/:id', DOCS.getTrain, (c) => {
      const row = getTrainJob(deps.db, c.req.param('id'));
      return row === null ? jsonError(c, 404, 'not_found', `no train job with id "${c.req.param('id')}"`) : c.json(trainView(row));
    })
    .post('/:id/cancel', DOCS.cancelTrain, async (c) => {
      const id = c.req.param('id');
      const row = getTrainJob(deps.db, id);
      if (row === null) return jsonError(c, 404, 'not_found', `no train job with id "${id}"`);
      if (row.status === 'done' || row.status === 'failed' || row.status === 'cancelled') {
        return jsonError(c, 409, 'finished', `train job ${id} is ${row.status}`);
      }
      await deps.train?.cancel(id);
      // A queued job is cancelled here; a running one when its worker reports it stopped (next step).
      cancelQueuedTrainJob(deps.db, id);
      return c.json(trainView(getTrainJob(deps.db, id) ?? row), 202);
    });
}
