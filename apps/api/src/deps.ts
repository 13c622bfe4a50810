import type { Db } from '@inferlab/db';
import type { CellJob } from '@inferlab/experiments';

/** What the http app needs from the outside, injected so routes run under `app.request()` in tests. */
export type AppDeps = {
  db: Db;
  /** Puts one job per cell on its device queue (jobId = cell id, so re-enqueueing is a no-op). */
  enqueue: (jobs: CellJob[]) => Promise<void>;
  redisPing: () => Promise<boolean>;
  knownForgeModels: readonly string[];
  maxCells?: number;
  /** Clock and id source, replaceable in tests. */
  now?: () => Date;
  newId?: () => string;
};
