import type { Db } from '@inferlab/db';
import { RESULTS_QUEUE, type ResultMessage, resultMessageSchema } from '@inferlab/experiments';
import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import { DEFAULT_LOG, type Log } from '../log/logger.ts';
import { isDistillMessage } from './record-distill-message.ts';
import { type MessageOutcome, recordMessage } from './record-message.ts';
import { isTrainMessage } from './record-train-message.ts';

export type RecorderLog = Pick<Log, 'info' | 'warn' | 'error'>;
/**
 * The cell a message was about, so listeners (the SSE event bus) can say what changed. Kept small:
 * BullMQ stores the handler's return value with the job, and a whole cell-result is large.
 */
export type MessageSubject = { experimentId: string; cellId: string; progress?: { done: number; total: number } } | null;
export type RecorderOutcome = { jobId: string | undefined; kind: string } & (
  | (MessageOutcome & { subject: MessageSubject })
  | { outcome: 'invalid'; detail: string }
);

export type RecorderOptions = {
  db: Db;
  connection: ConnectionOptions;
  log?: RecorderLog;
  /** Called after each message, e.g. by tests waiting for the recorder. */
  onOutcome?: (outcome: RecorderOutcome) => void;
  /** Errors of the recorder's own Redis connection (the process's redisTroubleReporter); default: logged. */
  onRedisError?: (err: Error, source: string) => void;
};

const HOUR_S = 3600;

/** SQLite's "the disk is full / the file cannot grow" results (better-sqlite3 SqliteError codes). */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'));
}

const STORAGE_RETRY_MS = { first: 500, max: 10_000 };

/**
 * Consumes `results` with concurrency 1: the single writer of the database. A malformed message is
 * logged and discarded (it would fail the same way on every retry); a database error fails the job
 * so BullMQ retries it per the publisher's options, which is safe because every write is idempotent.
 * A full disk is different: no number of quick retries helps, so the recorder holds the message
 * (it stays in Redis, active, its lock renewed) and tries again with a growing pause until space
 * returns — one log line when writes start failing and one when they work again.
 */
export function startRecorder(options: RecorderOptions): { close: () => Promise<void> } {
  const log = options.log ?? DEFAULT_LOG.child({ component: 'recorder' });
  let closing = false;
  let storageFullSince: number | null = null;
  const recordWaitingForSpace = async (message: ResultMessage): Promise<MessageOutcome> => {
    for (let pause = STORAGE_RETRY_MS.first; ; pause = Math.min(pause * 2, STORAGE_RETRY_MS.max)) {
      try {
        const outcome = recordMessage(options.db, message);
        if (storageFullSince !== null) {
          log.info(`the database takes writes again after ${((Date.now() - storageFullSince) / 1000).toFixed(1)} s; recording resumed`);
          storageFullSince = null;
        }
        return outcome;
      } catch (err) {
        if (!isStorageFull(err) || closing) throw err;
        if (storageFullSince === null) {
          storageFullSince = Date.now();
          log.error(
            `the database cannot grow (${(err as Error).message}): results wait in Redis and are recorded once there is space; free disk space where INFERLAB_DB lives`,
            { err },
          );
        }
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  };
  const handle = async (job: Job): Promise<RecorderOutcome> => {
    const parsed = resultMessageSchema.safeParse(job.data);
    const kind = typeof job.data?.kind === 'string' ? job.data.kind : job.name;
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ');
      log.warn(`discarding invalid ${kind} message ${job.id}: ${detail}`, { jobId: job.id, kind });
      return { jobId: job.id, kind, outcome: 'invalid', detail };
    }
    const outcome = { jobId: job.id, kind, ...(await recordWaitingForSpace(parsed.data)), subject: subjectOf(parsed.data) };
    if (outcome.outcome === 'skipped')
      log.info(`skipped ${kind} ${job.id}: ${outcome.detail}`, { jobId: job.id, kind, ...outcome.subject });
    return outcome;
  };

  const worker = new Worker(RESULTS_QUEUE, handle, {
    connection: options.connection,
    concurrency: 1,
    // Fallbacks for publishers that set none: results are in SQLite once recorded.
    removeOnComplete: { age: HOUR_S, count: 1000 },
    removeOnFail: { age: 7 * 24 * HOUR_S },
  });
  worker.on('completed', (_job, outcome: RecorderOutcome) => options.onOutcome?.(outcome));
  worker.on('failed', (job, err) =>
    log.error(`${job?.name ?? 'message'} ${job?.id ?? '?'} failed (will retry if attempts remain): ${err.message}`, {
      jobId: job?.id,
      experimentId: job?.data?.experimentId,
      cellId: job?.data?.cellId,
      err,
    }),
  );
  worker.on('error', (err) => (options.onRedisError ? options.onRedisError(err, 'recorder') : log.error(err.message, { err })));
  return {
    close: () => {
      closing = true;
      return worker.close();
    },
  };
}

function subjectOf(message: ResultMessage): MessageSubject {
  if (message.kind === 'worker-heartbeat' || isDistillMessage(message) || isTrainMessage(message)) return null;
  const { experimentId, cellId } = message;
  return message.kind === 'cell-progress'
    ? { experimentId, cellId, progress: { done: message.done, total: message.total } }
    : { experimentId, cellId };
}
