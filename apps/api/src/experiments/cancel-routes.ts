import { cancelExperiment, getExperimentSummary } from '@inferlab/db';
import type { ExperimentCancelled } from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/**
 * `POST /v1/experiments/:id/cancel`: queued cells are removed from their queues, running cells are
 * told to stop (their workers check between requests), finished cells keep their results.
 */
export function cancelRoutes(deps: AppDeps) {
  return new Hono().post('/:id/cancel', DOCS.cancelExperiment, async (c) => {
    const id = c.req.param('id');
    const outcome = cancelExperiment(deps.db, id, (deps.now?.() ?? new Date()).toISOString());
    if (!outcome.found) return jsonError(c, 404, 'not_found', `no experiment ${id}`);
    let removed = 0;
    if (deps.cancelCells && outcome.queued.length + outcome.running.length > 0) {
      try {
        removed = (await deps.cancelCells({ experimentId: id, queued: outcome.queued, running: outcome.running })).removed;
      } catch (err) {
        // The cells are cancelled in the database already; a job that still runs is ignored when it reports.
        return jsonError(
          c,
          503,
          'queue_unavailable',
          `cancelled in the database, but the queue could not be told: ${(err as Error).message}`,
          {
            id,
            cancelled: outcome.queued.length + outcome.running.length,
          },
        );
      }
    }
    const summary = getExperimentSummary(deps.db, id);
    if (summary) deps.events?.publish({ type: 'experiment', data: { id, status: summary.status, progress: summary.progress } });
    return c.json({
      id,
      cancelled: outcome.queued.length + outcome.running.length,
      queued: outcome.queued.length,
      running: outcome.running.length,
      removedJobs: removed,
    } satisfies ExperimentCancelled);
  });
}
