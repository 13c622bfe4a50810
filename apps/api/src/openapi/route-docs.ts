import {
  cellOutputsSchema,
  cellPositionsSchema,
  cellTokensSchema,
  comparisonSchema,
  createDistillRequestSchema,
  createMatrixSchema,
  createStudentRequestSchema,
  createTrainRequestSchema,
  distillJobListSchema,
  distillJobViewSchema,
  distillSubmittedSchema,
  experimentCancelledSchema,
  experimentEnqueuedSchema,
  experimentListPageSchema,
  experimentOutputsSchema,
  experimentResultsSchema,
  experimentSubmittedSchema,
  experimentViewSchema,
  historyAnswerSchema,
  queueDepthsSchema,
  storedCellViewSchema,
  trainJobViewSchema,
  workerNoiseSchema,
  workersListSchema,
} from '@inferlab/experiments';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';

/**
 * One `describeRoute()` per route, placed in each route's chain (`.get(path, DOCS.x, handler)`).
 * Request bodies are the schemas that validate them; answers are the api-views schemas the
 * dashboard parses. Errors are always `{ error, message, ...detail }` (docs/contracts.md "HTTP").
 */
type StandardSchemaV1 = Parameters<typeof resolver>[0];

const errorSchema = z.looseObject({ error: z.string(), message: z.string() });

const json = (schema: StandardSchemaV1) => ({ 'application/json': { schema: resolver(schema) } });
const ok = (description: string, schema?: StandardSchemaV1, status = '200') => ({
  [status]: { description, ...(schema ? { content: json(schema) } : {}) },
});
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), { description: ERROR_MEANING[code] ?? 'error', content: json(errorSchema) }]));
const ERROR_MEANING: Record<number, string> = {
  400: 'the body or a query parameter is invalid; `issues` name each field',
  401: 'a token is needed',
  403: 'the token may not do this, or open mode refused the request',
  404: 'no such resource',
  409: 'the resource is in a state that refuses this',
  413: 'the body is too large',
  422: 'valid, but too large to run (cells, memory)',
  429: 'a quota is reached; see retry-after',
  503: 'Redis or the queue is unavailable',
};
const id = { name: 'id', in: 'path' as const, required: true, schema: { type: 'string' as const } };
const body = (schema: StandardSchemaV1) => ({ required: true, content: json(schema) });
const security = [{ bearer: [] }];

export const DOCS = {
  submitExperiment: describeRoute({
    tags: ['experiments'],
    summary: 'Submit a matrix: expand it into cells and queue them',
    security,
    requestBody: body(createMatrixSchema()),
    responses: {
      ...ok('created: the id, the prompt count and the cells', experimentSubmittedSchema, '201'),
      ...errors(400, 413, 422, 429, 503),
    },
  }),
  listExperiments: describeRoute({
    tags: ['experiments'],
    summary: 'Experiments, newest first, a page at a time (?limit, ?cursor, ?status)',
    responses: { ...ok('a page', experimentListPageSchema), ...errors(400) },
  }),
  getExperiment: describeRoute({
    tags: ['experiments'],
    summary: 'An experiment: its matrix and every cell',
    parameters: [id],
    responses: { ...ok('the experiment', experimentViewSchema), ...errors(404) },
  }),
  experimentResults: describeRoute({
    tags: ['experiments'],
    summary: 'Per-cell summaries with percentiles and bootstrap CIs',
    parameters: [id],
    responses: { ...ok('the results', experimentResultsSchema), ...errors(404) },
  }),
  enqueueExperiment: describeRoute({
    tags: ['experiments'],
    summary: 'Queue again the cells of an experiment whose enqueue failed (queue outage)',
    security,
    parameters: [id],
    responses: { ...ok('the cells queued again', experimentEnqueuedSchema), ...errors(404, 409, 503) },
  }),
  cancelExperiment: describeRoute({
    tags: ['experiments'],
    summary: 'Cancel the open cells of an experiment',
    security,
    parameters: [id],
    responses: { ...ok('the cells cancelled', experimentCancelledSchema), ...errors(404, 409) },
  }),
  experimentReport: describeRoute({
    tags: ['experiments'],
    summary: 'A self-contained report (?format=html|markdown)',
    parameters: [id],
    responses: {
      '200': {
        description: 'the report: one self-contained HTML file (inline SVG charts), or markdown',
        content: { 'text/html': { schema: { type: 'string' as const } }, 'text/markdown': { schema: { type: 'string' as const } } },
      },
      ...errors(400, 404),
    },
  }),
  experimentOutputs: describeRoute({
    tags: ['experiments'],
    summary: 'Generated text, prompt by prompt, across cells',
    parameters: [id],
    responses: { ...ok('the outputs', experimentOutputsSchema), ...errors(404) },
  }),
  getCell: describeRoute({
    tags: ['cells'],
    summary: 'A stored cell and its result',
    parameters: [id],
    responses: { ...ok('the cell', storedCellViewSchema), ...errors(404) },
  }),
  cellTokens: describeRoute({
    tags: ['cells'],
    summary: 'Per-token timings of a cell',
    parameters: [id],
    responses: { ...ok('the token timings', cellTokensSchema), ...errors(404) },
  }),
  cellPositions: describeRoute({
    tags: ['cells'],
    summary: 'Inter-token latency by position in the output',
    parameters: [id],
    responses: { ...ok('latency by position', cellPositionsSchema), ...errors(400, 404) },
  }),
  cellOutputs: describeRoute({
    tags: ['cells'],
    summary: 'Generated text of a cell, request by request',
    parameters: [id],
    responses: { ...ok('the outputs', cellOutputsSchema), ...errors(404) },
  }),
  history: describeRoute({
    tags: ['history'],
    summary: 'Benchmark history: every key with its latest regressions, or one key (?key)',
    responses: { ...ok('the overview, or with ?key= that key’s series', historyAnswerSchema), ...errors(400, 404) },
  }),
  compare: describeRoute({
    tags: ['compare'],
    summary: 'Compare two cells (?a, ?b) against the noise floor',
    responses: { ...ok('the comparison', comparisonSchema), ...errors(400, 404) },
  }),
  submitDistill: describeRoute({
    tags: ['distill'],
    summary: 'Queue a distillation job (or, with kind "student", a student training job)',
    security,
    requestBody: {
      required: true,
      content: { 'application/json': { schema: resolver(z.union([createDistillRequestSchema(), createStudentRequestSchema()])) } },
    },
    responses: {
      ...ok('queued: the distill job, or the train job of a student', distillSubmittedSchema, '201'),
      ...errors(400, 413, 422, 503),
    },
  }),
  listDistill: describeRoute({ tags: ['distill'], summary: 'Distillation jobs', responses: ok('the jobs', distillJobListSchema) }),
  getDistill: describeRoute({
    tags: ['distill'],
    summary: 'A distillation job',
    parameters: [id],
    responses: { ...ok('the job', distillJobViewSchema), ...errors(404) },
  }),
  submitTrain: describeRoute({
    tags: ['train'],
    summary: 'Queue a pretraining job',
    security,
    requestBody: body(createTrainRequestSchema()),
    responses: { ...ok('queued', trainJobViewSchema, '201'), ...errors(400, 413, 422, 503) },
  }),
  listTrain: describeRoute({
    tags: ['train'],
    summary: 'Training jobs',
    responses: ok('the jobs', z.object({ jobs: z.array(trainJobViewSchema) })),
  }),
  getTrain: describeRoute({
    tags: ['train'],
    summary: 'A training job',
    parameters: [id],
    responses: { ...ok('the job', trainJobViewSchema), ...errors(404) },
  }),
  cancelTrain: describeRoute({
    tags: ['train'],
    summary: 'Cancel a training job',
    security,
    parameters: [id],
    // 202: a running job stops at its next step, when its worker reports it.
    responses: { ...ok('cancelled, or asked to stop', trainJobViewSchema, '202'), ...errors(404, 409) },
  }),
  listWorkers: describeRoute({
    tags: ['workers'],
    summary: 'Workers and their heartbeats',
    responses: ok('the workers', workersListSchema),
  }),
  workerNoise: describeRoute({
    tags: ['workers'],
    summary: "A worker's measured noise floor",
    parameters: [id],
    responses: { ...ok('the noise floor', workerNoiseSchema), ...errors(404) },
  }),
  queues: describeRoute({
    tags: ['queues'],
    summary: 'Queue depths',
    responses: { ...ok('the depths', queueDepthsSchema), ...errors(503) },
  }),
  events: describeRoute({
    tags: ['events'],
    summary: 'Live changes as server-sent events (read with EventSource)',
    description:
      '`event: experiment` (data: an experiment’s id, status, progress and the cell that moved), `event: workers` ' +
      '(data: as GET /v1/workers), `event: train` (data: as GET /v1/train). Comments keep the connection open; ' +
      'events sent while a client reconnects are lost, so a client refetches on every (re)connection.',
    parameters: [
      {
        name: 'access_token',
        in: 'query' as const,
        required: false,
        description: 'a read token, for EventSource, which cannot send headers',
        schema: { type: 'string' as const },
      },
    ],
    responses: {
      '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' as const } } } },
      ...errors(401, 403),
    },
  }),
  health: describeRoute({
    tags: ['health'],
    summary: 'Redis and SQLite reachable',
    responses: {
      '200': { description: 'both up', content: json(z.object({ ok: z.boolean(), redis: z.boolean(), db: z.boolean() })) },
      '503': { description: 'one is down', content: json(z.object({ ok: z.boolean(), redis: z.boolean(), db: z.boolean() })) },
    },
  }),
};
