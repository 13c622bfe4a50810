import { ApiError, answer, type ExperimentBody, type ExperimentEvent, idParam } from '@inferlab/client';
import type { ApiClient } from '../client.ts';

/** Requests measured so far in a running cell (the worker's `cell-progress`, streamed by the api). */
export type RequestProgress = { done: number; total: number };
export type WatchState = { experiment: ExperimentBody; requests: ReadonlyMap<string, RequestProgress> };

const POLL_MS = 1000;
/** How long the api may stay unreachable (a restart) before watching gives up. */
const UNREACHABLE_LIMIT_MS = 30_000;

export const isFinished = (e: Pick<ExperimentBody, 'progress'>): boolean => e.progress.queued + e.progress.running === 0;

/**
 * Follows one experiment until no cell is queued or running. `GET /v1/events` gives the live
 * changes (cell states and request counts); a poll of `GET /v1/experiments/:id` every second is
 * the truth, since events sent while (re)connecting are lost and an api may have no event stream.
 */
export async function watchExperiment(client: ApiClient, id: string, onChange: (state: WatchState) => void): Promise<ExperimentBody> {
  const read = () => answer(client.routes.v1.experiments[':id'].$get(idParam(id)));
  let experiment = await read();
  const requests = new Map<string, RequestProgress>();
  const changed = () => onChange({ experiment, requests });
  changed();
  const stop = new AbortController();
  const stream = followEvents(client, id, stop.signal, (event) => {
    const cell = event.cell;
    if (cell?.status === 'failed') {
      // The reason is in the experiment's answer, not in the event: read it before showing the failure.
      void read().then(
        (e) => {
          experiment = e;
          changed();
        },
        () => {}, // the poll carries on
      );
      return;
    }
    experiment = {
      ...experiment,
      status: event.status,
      progress: event.progress,
      cells: cell
        ? experiment.cells.map((c) => (c.id === cell.id ? { ...c, status: cell.status as typeof c.status } : c))
        : experiment.cells,
    };
    if (cell?.done !== undefined && cell.total !== undefined) requests.set(cell.id, { done: cell.done, total: cell.total });
    changed();
  });
  let unreachableSince: number | null = null;
  try {
    while (!isFinished(experiment)) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      try {
        experiment = await read();
        unreachableSince = null;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 0)) throw err;
        unreachableSince ??= Date.now();
        if (Date.now() - unreachableSince > UNREACHABLE_LIMIT_MS) throw err;
      }
      changed();
    }
  } finally {
    stop.abort();
    await stream;
  }
  return experiment;
}

async function followEvents(client: ApiClient, id: string, signal: AbortSignal, onEvent: (e: ExperimentEvent) => void): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const { event, data } of client.events(signal)) {
        if (event !== 'experiment') continue;
        const parsed = JSON.parse(data) as ExperimentEvent;
        if (parsed.id === id) onEvent(parsed);
      }
    } catch {
      // aborted, an api without an event stream, or a restart: polling carries on; retry the stream.
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
