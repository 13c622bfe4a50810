import type { ExperimentListItem } from '@inferlab/db';
import { DEFAULT_LOG } from '../log/logger.ts';
import type { TrainView } from '../train/train-view.ts';
import type { WorkerView } from '../workers/workers-view.ts';

/** Live progress of one running cell: requests measured so far (from the worker's `cell-progress`). */
export type CellProgress = { id: string; status: string; done?: number; total?: number };

/** What `GET /v1/events` streams (docs/contracts.md): one `event:` name per type. */
export type AppEvent =
  | { type: 'experiment'; data: Pick<ExperimentListItem, 'id' | 'status' | 'progress'> & { cell?: CellProgress } }
  | { type: 'workers'; data: { workers: WorkerView[] } }
  /** The newest training jobs, after any of them changed (progress at most ~1 a second per job). */
  | { type: 'train'; data: { jobs: TrainView[] } };

export type EventListener = (event: AppEvent) => void;

export type EventBus = {
  publish: (event: AppEvent) => void;
  /** Returns the unsubscribe function; SSE streams call it when the client goes away. */
  subscribe: (listener: EventListener) => () => void;
  listenerCount: () => number;
};

/**
 * In-process fan-out from the recorder (and the api) to SSE clients. A listener that throws is
 * reported and kept from breaking the others: one broken stream must not stop the rest.
 */
export function createEventBus(
  onListenerError: (err: unknown) => void = (err) => DEFAULT_LOG.error('an event listener failed', { err }),
): EventBus {
  const listeners = new Set<EventListener>();
  return {
    publish: (event) => {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listenerCount: () => listeners.size,
  };
}
