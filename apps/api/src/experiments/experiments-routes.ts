import { randomUUID } from 'node:crypto';
import {
  cellWithPrompts,
  createExperiment,
  getExperiment,
  getExperimentResults,
  isExperimentStatus,
  ListCursorError,
  listExperimentPage,
  openWorkOf,
} from '@inferlab/db';
import {
  assertCellsRun,
  type Cell,
  type CellJob,
  DEFAULT_MAX_CELLS,
  type ExperimentEnqueued,
  type ExperimentSubmitted,
  expandMatrix,
  InvalidMatrixError,
  parseMatrix,
  TooManyCellsError,
} from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { withoutHostPaths } from '../http/host-paths.ts';
import { jsonError } from '../http/json-error.ts';
import { principalOf } from '../http/principal.ts';
import { readJson } from '../http/read-json.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { checkQuotas, DEFAULT_QUOTAS, QUOTA_RETRY_AFTER_S, requestedTokens } from './quotas.ts';

/** Submit a matrix, list and read experiments and their results, re-enqueue after a queue outage. */
export function experimentsRoutes(deps: AppDeps) {
  const newId = deps.newId ?? randomUUID;
  const notFound = (c: Parameters<typeof jsonError>[0], id: string) => jsonError(c, 404, 'not_found', `no experiment with id "${id}"`);
  const jobsOf = (experimentId: string, cells: readonly Pick<Cell, 'id' | 'config'>[]): CellJob[] =>
    cells.map((cell) => ({ experimentId, cellId: cell.id, config: cell.config }));

  return (
    new Hono()
      // The body's size is bounded by bodyLimits (app.ts); its validation by MAX_REPORTED_ISSUES.
      .post('/', DOCS.submitExperiment, async (c) => {
        const body = await readJson(c);
        if (!body.ok) return body.response;
        let matrix: ReturnType<typeof parseMatrix>;
        let cells: Cell[];
        const id = newId();
        try {
          matrix = parseMatrix(body.value, { knownForgeModels: deps.knownForgeModels });
          cells = expandMatrix(id, matrix, { maxCells: deps.maxCells ?? DEFAULT_MAX_CELLS });
          assertCellsRun(matrix, cells); // what cannot run together: an InvalidMatrixError naming the field
        } catch (err) {
          if (err instanceof InvalidMatrixError)
            return jsonError(c, 400, 'invalid_matrix', err.message, { issues: err.issues, issueCount: err.issueCount });
          if (err instanceof TooManyCellsError)
            return jsonError(c, 422, 'too_many_cells', err.message, { cells: err.cells, limit: err.limit });
          throw err;
        }
        const owner = principalOf(c);
        const asked = { cells: cells.length, requestedTokens: requestedTokens(matrix, cells) };
        const verdict = checkQuotas(deps.quotas ?? DEFAULT_QUOTAS, openWorkOf(deps.db, owner), asked);
        if (!verdict.ok) {
          if (verdict.status === 429) c.header('retry-after', String(QUOTA_RETRY_AFTER_S));
          return jsonError(c, verdict.status, 'quota_exceeded', verdict.message, {
            limit: verdict.limit,
            asked: asked[verdict.limit === 'experiments' ? 'cells' : verdict.limit],
          });
        }
        // SQLite first: a job whose cell is not stored yet would have nowhere to record its result.
        const created = createExperiment(deps.db, { id, name: matrix.name, matrix, cells, owner, createdAt: deps.now?.().toISOString() });
        // Dashboards list it at once, before any worker picks a cell up.
        deps.events?.publish({ type: 'experiment', data: { id, status: created.status, progress: created.progress } });
        try {
          await deps.enqueue(jobsOf(id, cells));
        } catch (err) {
          return jsonError(c, 503, 'queue_unavailable', enqueueFailure(id, err), { id });
        }
        // The prompts once (they are the experiment's), not once per cell.
        const cellViews = cells.map(({ id: cellId, config: { prompts: _prompts, ...config } }) => ({ id: cellId, config }));
        return c.json({ id, prompts: matrix.prompts.length, cells: cellViews } satisfies ExperimentSubmitted, 201);
      })
      // Newest first, a page at a time (?limit, ?cursor = the previous page's nextCursor), filtered by
      // ?status, ?model (a model id), ?name and ?prompt (case-insensitive substrings).
      .get('/', DOCS.listExperiments, (c) => {
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
      .get('/:id', DOCS.getExperiment, (c) => {
        const experiment = getExperiment(deps.db, c.req.param('id'));
        return experiment === null ? notFound(c, c.req.param('id')) : c.json(withoutHostPaths(experiment));
      })
      .get('/:id/results', DOCS.experimentResults, (c) => {
        const results = getExperimentResults(deps.db, c.req.param('id'));
        return results === null ? notFound(c, c.req.param('id')) : c.json(withoutHostPaths(results));
      })
      // Resume after a queue outage: re-enqueues the cells still queued. Safe to repeat, since jobId = cell id.
      .post('/:id/enqueue', DOCS.enqueueExperiment, async (c) => {
        const experiment = getExperiment(deps.db, c.req.param('id'));
        if (experiment === null) return notFound(c, c.req.param('id'));
        const queued = experiment.cells
          .filter((cell) => cell.status === 'queued')
          .map((cell) => ({ id: cell.id, config: cellWithPrompts(cell.config, experiment.matrix.prompts) }));
        try {
          await deps.enqueue(jobsOf(experiment.id, queued));
        } catch (err) {
          return jsonError(c, 503, 'queue_unavailable', enqueueFailure(experiment.id, err), { id: experiment.id });
        }
        return c.json({ id: experiment.id, enqueued: queued.length } satisfies ExperimentEnqueued);
      })
  );
}

function enqueueFailure(id: string, err: unknown): string {
  return `experiment ${id} is saved but its cells could not be queued (${(err as Error).message}); retry with POST /v1/experiments/${id}/enqueue`;
}
