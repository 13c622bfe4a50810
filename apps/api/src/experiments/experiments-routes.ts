import { randomUUID } from 'node:crypto';
import { createExperiment, getExperiment, getExperimentResults, isExperimentStatus, ListCursorError, listExperimentPage } from '@inferlab/db';
import {
  assertCellsRun,
  type Cell,
  type CellJob,
  DEFAULT_MAX_CELLS,
  expandMatrix,
  InvalidMatrixError,
  parseMatrix,
  TooManyCellsError,
} from '@inferlab/experiments';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';

// 64 prompts of 8,000 characters fit with room to spare.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Submit a matrix, list and read experiments and their results, re-enqueue after a queue outage. */
export function experimentsRoutes(deps: AppDeps) {
  const newId = deps.newId ?? randomUUID;
  const notFound = (c: Parameters<typeof jsonError>[0], id: string) => jsonError(c, 404, 'not_found', `no experiment with id "${id}"`);
  const jobsOf = (experimentId: string, cells: readonly Pick<Cell, 'id' | 'config'>[]): CellJob[] =>
    cells.map((cell) => ({ experimentId, cellId: cell.id, config: cell.config }));

  return (
    new Hono()
      .post(
        '/',
        bodyLimit({
          maxSize: MAX_BODY_BYTES,
          onError: (c) => jsonError(c, 413, 'body_too_large', `the matrix is over ${MAX_BODY_BYTES / 2 ** 20} MiB`),
        }),
        async (c) => {
          let body: unknown;
          try {
            body = await c.req.json();
          } catch (err) {
            return jsonError(c, 400, 'invalid_json', `the request body is not valid JSON: ${(err as Error).message}`);
          }
          let matrix: ReturnType<typeof parseMatrix>;
          let cells: Cell[];
          const id = newId();
          try {
            matrix = parseMatrix(body, { knownForgeModels: deps.knownForgeModels });
            cells = expandMatrix(id, matrix, { maxCells: deps.maxCells ?? DEFAULT_MAX_CELLS });
            assertCellsRun(matrix, cells); // what cannot run together: an InvalidMatrixError naming the field
          } catch (err) {
            if (err instanceof InvalidMatrixError) return jsonError(c, 400, 'invalid_matrix', err.message, { issues: err.issues });
            if (err instanceof TooManyCellsError)
              return jsonError(c, 422, 'too_many_cells', err.message, { cells: err.cells, limit: err.limit });
            throw err;
          }
          // SQLite first: a job whose cell is not stored yet would have nowhere to record its result.
          const created = createExperiment(deps.db, { id, name: matrix.name, matrix, cells, createdAt: deps.now?.().toISOString() });
          // Dashboards list it at once, before any worker picks a cell up.
          deps.events?.publish({ type: 'experiment', data: { id, status: created.status, progress: created.progress } });
          try {
            await deps.enqueue(jobsOf(id, cells));
          } catch (err) {
            return jsonError(c, 503, 'queue_unavailable', enqueueFailure(id, err), { id });
          }
          return c.json({ id, cells: cells.map((cell) => ({ id: cell.id, config: cell.config })) }, 201);
        },
      )
      // Newest first, a page at a time (?limit, ?cursor = the previous page's nextCursor), filtered by
      // ?status, ?model (a model id), ?name and ?prompt (case-insensitive substrings).
      .get('/', (c) => {
        const { status, model, name, prompt, limit, cursor } = c.req.query();
        if (status !== undefined && !isExperimentStatus(status)) {
          return jsonError(c, 400, 'invalid_query', `status: expected queued, running, done, failed or cancelled, got "${status}"`);
        }
        const n = limit === undefined ? undefined : Number(limit);
        if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 500)) {
          return jsonError(c, 400, 'invalid_query', `limit: expected an integer from 1 to 500, got "${limit}"`);
        }
        try {
          return c.json(listExperimentPage(deps.db, { status, model, name, prompt, limit: n, cursor }));
        } catch (err) {
          if (err instanceof ListCursorError) return jsonError(c, 400, 'invalid_query', err.message);
          throw err;
        }
      })
      .get('/:id', (c) => {
        const experiment = getExperiment(deps.db, c.req.param('id'));
        return experiment === null ? notFound(c, c.req.param('id')) : c.json(experiment);
      })
      .get('/:id/results', (c) => {
        const results = getExperimentResults(deps.db, c.req.param('id'));
        return results === null ? notFound(c, c.req.param('id')) : c.json(results);
      })
      // Resume after a queue outage: re-enqueues the cells still queued. Safe to repeat, since jobId = cell id.
      .post('/:id/enqueue', async (c) => {
        const experiment = getExperiment(deps.db, c.req.param('id'));
        if (experiment === null) return notFound(c, c.req.param('id'));
        const queued = experiment.cells.filter((cell) => cell.status === 'queued');
        try {
          await deps.enqueue(jobsOf(experiment.id, queued));
        } catch (err) {
          return jsonError(c, 503, 'queue_unavailable', enqueueFailure(experiment.id, err), { id: experiment.id });
        }
        return c.json({ id: experiment.id, enqueued: queued.length });
      })
  );
}

function enqueueFailure(id: string, err: unknown): string {
  return `experiment ${id} is saved but its cells could not be queued (${(err as Error).message}); retry with POST /v1/experiments/${id}/enqueue`;
}
