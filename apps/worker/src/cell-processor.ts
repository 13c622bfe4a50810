import { GpuProbe } from '@inferlab/core';
import { type CellJob, cellIssues, finalFailureJobId, type ResultMessage, resultJobId, UnrunnableCellError } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import type { InferenceHost } from './inference-host.ts';
import { attemptOf, holdsLock, LockLostError, publisher, runAttempt, throttle } from './job-attempt.ts';
import type { Logger } from './logger.ts';

export type CellProcessorDeps = {
  host: Pick<InferenceHost, 'run' | 'cancel'>;
  results: Queue<ResultMessage>;
  workerId: string;
  log: Logger;
  /** Told when a cell starts and ends, for heartbeats. */
  onCurrentCell: (cellId: string | null) => void;
  /** Whether the experiment was cancelled (the api sets a Redis key); checked before and during a cell. */
  isCancelled: (experimentId: string) => Promise<boolean>;
  /** cuda cells: the GPU NVML samples (nvidia-smi -i); default 0. */
  gpu?: string;
  cancelPollMs?: number;
  /** The worker's lockDuration: the lock is renewed for this long when the result is published. */
  lockMs?: number;
};

const PROGRESS_EVERY_MS = 1000;

/** The BullMQ processor of `cells-<device>`: refuses what cannot run, runs the rest off-thread, publishes to `results`. */
export function createCellProcessor(deps: CellProcessorDeps) {
  const publish = publisher(deps.results);
  return async (job: Job<CellJob>, token?: string): Promise<{ requests: number; cancelled?: true }> => {
    const { cellId, experimentId, config } = job.data;
    const attempt = attemptOf(job);
    const log = deps.log.child({ cellId, experimentId, attempt });
    if (await deps.isCancelled(experimentId)) {
      log.info('cell skipped: its experiment was cancelled');
      return { requests: 0, cancelled: true };
    }
    const ref = { cellId, experimentId, attempt, workerId: deps.workerId };
    deps.onCurrentCell(cellId);
    let runId: number | null = null;
    const cancelPoll = setInterval(() => {
      void deps
        .isCancelled(experimentId)
        .then((yes) => {
          if (yes && runId !== null) deps.host.cancel(runId);
        })
        .catch(() => undefined);
    }, deps.cancelPollMs ?? 1000);
    // NVML sampling runs here, on the thread inference does not block.
    const gpuProbe = config.device === 'cuda' ? new GpuProbe({ gpu: deps.gpu ?? '0' }) : null;
    try {
      return await runAttempt(
        job,
        log,
        async () => {
          await publish({ kind: 'cell-started', ...ref, at: new Date().toISOString() });
          // What cannot run together fails now, before a model is loaded, and is not retried.
          const issues = cellIssues(config);
          if (issues.length > 0) throw new UnrunnableCellError(issues);
          const due = throttle(PROGRESS_EVERY_MS);
          const downloadDue = throttle(PROGRESS_EVERY_MS);
          const run = await deps.host.run(
            config,
            (p) => {
              // A hub download (bytes of each file): the job's progress and the worker's log, not the results queue.
              if (p.phase === 'downloading') {
                if (!downloadDue(p.done >= p.total)) return;
                log.info({ file: p.file, bytes: p.done, total: p.total }, 'downloading model');
                void job.updateProgress(p).catch(() => undefined);
                return;
              }
              if (p.phase !== 'measuring' || !due(p.done >= p.total)) return;
              void job.updateProgress(p).catch(() => undefined);
              void publish({ kind: 'cell-progress', cellId, experimentId, attempt, done: p.done, total: p.total }).catch(() => undefined);
            },
            (id) => {
              runId = id;
            },
            (message, fields) => log.warn(fields, message),
          );
          const gpu = gpuProbe?.stop();
          const memory = gpu ? { ...run.memory, gpu } : run.memory;
          // A worker frozen past its lock (SIGSTOP, swap, a VM pause) has lost the cell to another attempt.
          if (!(await holdsLock(job, token, deps.lockMs ?? 15_000))) {
            throw new LockLostError(`cell ${cellId} attempt ${attempt}: the job lock was lost while it ran`);
          }
          await publish({ kind: 'cell-result', ...ref, config, ...run, memory }, resultJobId(cellId, attempt));
          log.info({ requests: run.requests.length, wallMs: Math.round(run.wallMs) }, 'cell done');
          return { requests: run.requests.length };
        },
        (failure) =>
          publish(
            { kind: 'cell-failed', ...ref, reason: failure.reason, final: failure.final },
            failure.final ? finalFailureJobId(cellId) : undefined,
          ),
      );
    } finally {
      clearInterval(cancelPoll);
      gpuProbe?.stop();
      deps.onCurrentCell(null);
    }
  };
}
