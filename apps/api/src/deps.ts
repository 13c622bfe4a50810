import type { Db } from '@inferlab/db';
import type { CellJob, DistillJob, TrainJob } from '@inferlab/experiments';
import type { EventBus } from './events/event-bus.ts';
import type { Quotas } from './experiments/quotas.ts';
import type { AccessPolicy } from './http/auth.ts';
import type { Log } from './log/logger.ts';
import type { QueueDepths } from './queues/queue-depths.ts';

// Only types of modules that do not import this one: no import cycle, not even a type-level one.

/** What the http app needs from the outside, injected so routes run under `app.request()` in tests. */
export type AppDeps = {
  db: Db;
  /** Puts one job per cell on its device queue (jobId = cell id, so re-enqueueing is a no-op). */
  enqueue: (jobs: CellJob[]) => Promise<void>;
  /** Puts a distill job on `distill-<device>` (jobId = distill id); absent: POST /v1/distill answers 503. */
  enqueueDistill?: (job: DistillJob) => Promise<void>;
  /** train-<device> queues (jobId = train id); absent: POST /v1/train and /v1/distill kind "student" answer 503. */
  train?: { enqueue: (job: TrainJob) => Promise<void>; cancel: (trainId: string) => Promise<unknown> };
  /** The most one training job may need (estimateTrainBytes); absent: DEFAULT_TRAIN_MAX_BYTES. */
  maxTrainBytes?: number;
  redisPing: () => Promise<boolean>;
  knownForgeModels: readonly string[];
  maxCells?: number;
  /** Live updates for `GET /v1/events` (absent: no such route). */
  events?: EventBus;
  /** Cell queue depths for `GET /v1/queues` (absent: no such route). */
  queueDepths?: QueueDepths;
  /** The built dashboard served at `/` (absent: the api serves only the api). */
  dashboardDir?: string;
  /** Removes queued cells' jobs and tells workers running the others to stop (absent: database only). */
  cancelCells?: (input: { experimentId: string; queued: string[]; running: string[] }) => Promise<{ removed: number }>;
  /** API tokens (absent or empty: open mode, see openModeGuard). */
  access?: AccessPolicy;
  /** Open mode: Host names served besides localhost, 127.0.0.1 and [::1] (INFERLAB_PUBLIC_HOSTS). */
  publicHosts?: readonly string[];
  /** What one token may have queued or running (absent: DEFAULT_QUOTAS). */
  quotas?: Quotas;
  /** Where request failures are logged (absent: warnings and errors to stdout). */
  log?: Log;
  /** Clock and id source, replaceable in tests. */
  now?: () => Date;
  newId?: () => string;
};
