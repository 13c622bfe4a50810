import { randomUUID } from 'node:crypto';
import { createDistillJob, type DistillJobRow, getDistillJob, listDistillJobs } from '@inferlab/db';
import {
  DEFAULT_TRAIN_MAX_BYTES,
  type DistillJobView,
  InvalidDistillRequestError,
  parseDistillRequest,
  parseStudentRequest,
} from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { readJson } from '../http/read-json.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { submitTrainJob } from '../train/train-routes.ts';

// Distill jobs: train exit heads for a model on a worker of the requested device class. The heads
// are written beside the model on that worker's host (<model folder>/exit-heads/<version>/), so in a
// multi-host setup a version exists where it was trained; `workerId` says which worker that was.

const view = (row: DistillJobRow) =>
  ({
    id: row.id,
    model: row.model,
    device: row.device,
    status: row.status,
    request: row.request,
    attempt: row.attempt,
    workerId: row.workerId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    progress: row.progress,
    version: row.version,
    modelSha256: row.modelSha256,
    metrics: row.metrics,
    corpus: row.corpus,
    trainSeconds: row.trainSeconds,
    error: row.error,
  }) satisfies DistillJobView;

/** `POST /v1/distill` (train exit heads), `GET /v1/distill[?model=]`, `GET /v1/distill/:id`. */
export function distillRoutes(deps: AppDeps) {
  const newId = deps.newId ?? randomUUID;
  return new Hono()
    .post('/', DOCS.submitDistill, async (c) => {
      const body = await readJson(c);
      if (!body.ok) return body.response;
      // kind "student": a whole student model distilled from a teacher, run as a train job.
      if (typeof body.value === 'object' && body.value !== null && (body.value as { kind?: unknown }).kind === 'student') {
        const limits = { knownForgeModels: deps.knownForgeModels, maxTrainBytes: deps.maxTrainBytes ?? DEFAULT_TRAIN_MAX_BYTES };
        return submitTrainJob(c, deps, () => parseStudentRequest(body.value, limits));
      }
      let request: ReturnType<typeof parseDistillRequest>;
      try {
        request = parseDistillRequest(body.value, { knownForgeModels: deps.knownForgeModels });
      } catch (err) {
        if (err instanceof InvalidDistillRequestError)
          return jsonError(c, 400, 'invalid_distill_request', err.message, { issues: err.issues, issueCount: err.issueCount });
        throw err;
      }
      if (deps.enqueueDistill === undefined) return jsonError(c, 503, 'queue_unavailable', 'this api has no distill queue configured');
      const id = newId();
      const createdAt = (deps.now?.() ?? new Date()).toISOString();
      // SQLite first, so the worker's messages always find their row.
      const row = createDistillJob(deps.db, { id, request, createdAt });
      try {
        await deps.enqueueDistill({ distillId: id, request, createdAt });
      } catch (err) {
        const why = `distill job ${id} is stored but could not be queued (${(err as Error).message}); submit it again once Redis is back`;
        return jsonError(c, 503, 'queue_unavailable', why, { id });
      }
      return c.json(view(row), 201);
    })
    .get('/', DOCS.listDistill, (c) => {
      const model = c.req.query('model');
      return c.json({ jobs: listDistillJobs(deps.db, model === undefined || model === '' ? {} : { model }).map(view) });
    })
    .get('/:id', DOCS.getDistill, (c) => {
      const row = getDistillJob(deps.db, c.req.param('id'));
      return row === null ? jsonError(c, 404, 'not_found', `no distill job with id "${c.req.param('id')}"`) : c.json(view(row));
    });
}
