import { GpuProbe } from '@inferlab/core';
import { type CellJob, RESULT_JOB_OPTIONS, type ResultMessage, resultJobId } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import type { InferenceHost } from './inference-host.ts';
import { errorForBullmq, jobFailure } from './job-failure.ts';

export type ProcessorDeps = {
  host: InferenceHost;
  results: Queue<ResultMessage>;
  workerId: string;
  /** Told when a cell starts and ends, for heartbeats. */
  onCurrentCell: (cellId: string | null) => void;
  log: (line: string) => void;
  /** Whether the experiment was cancelled (the api sets a Redis key); checked before and during a cell. */
  isCancelled: (experimentId: string) => Promise<boolean>;
  /** cuda cells: the GPU NVML samples (nvidia-smi -i); default 0. */
  gpu?: string;
};

const CANCEL_POLL_MS = 1000;

const PROGRESS_EVERY_MS = 1000;

/** The BullMQ processor of `cells-<device>`: runs the cell off-thread, publishes to `results`. */
export function createCellProcessor(deps: ProcessorDeps) {
  return async (job: Job<CellJob>): Promise<{ requests: number; cancelled?: true }> => {
    const { cellId, experimentId, config } = job.data;
    if (await deps.isCancelled(experimentId)) {
      deps.log(`cell ${cellId} skipped: its experiment was cancelled`);
      return { requests: 0, cancelled: true };
    }
    // attemptsStarted counts stalled (killed-worker) restarts too, so each try has its own number.
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    const publish = (msg: ResultMessage, jobId?: string) =>
      deps.results.add(msg.kind, msg, jobId ? { ...RESULT_JOB_OPTIONS, jobId } : RESULT_JOB_OPTIONS);
    deps.onCurrentCell(cellId);
    await publish({ kind: 'cell-started', cellId, experimentId, attempt, workerId: deps.workerId, at: new Date().toISOString() });
    let lastProgress = 0;
    let runId: number | null = null;
    const cancelPoll = setInterval(() => {
      void deps
        .isCancelled(experimentId)
        .then((yes) => {
          if (yes && runId !== null) deps.host.cancel(runId);
        })
        .catch(() => undefined);
    }, CANCEL_POLL_MS);
    // NVML sampling runs here, on the thread inference does not block.
    const gpuProbe = config.device === 'cuda' ? new GpuProbe({ gpu: deps.gpu ?? '0' }) : null;
    try {
      const run = await deps.host.run(
        config,
        (p) => {
          const now = Date.now();
          if (p.phase !== 'measuring' || (now - lastProgress < PROGRESS_EVERY_MS && p.done < p.total)) return;
          lastProgress = now;
          void job.updateProgress(p).catch(() => undefined);
          void publish({ kind: 'cell-progress', cellId, experimentId, attempt, done: p.done, total: p.total }).catch(() => undefined);
        },
        (id) => {
          runId = id;
        },
      );
      const gpu = gpuProbe?.stop();
      const memory = gpu ? { ...run.memory, gpu } : run.memory;
      await publish(
        { kind: 'cell-result', cellId, experimentId, attempt, workerId: deps.workerId, config, ...run, memory },
        resultJobId(cellId, attempt),
      );
      deps.log(`cell ${cellId} done: ${run.requests.length} requests in ${(run.wallMs / 1000).toFixed(1)} s`);
      return { requests: run.requests.length };
    } catch (err) {
      const failure = jobFailure(err, job);
      deps.log(`cell ${cellId} attempt ${attempt} failed${failure.final ? ' (final)' : ''}: ${failure.reason}`);
      await publish({
        kind: 'cell-failed',
        cellId,
        experimentId,
        attempt,
        workerId: deps.workerId,
        reason: failure.reason,
        final: failure.final,
      });
      throw errorForBullmq(failure, err);
    } finally {
      clearInterval(cancelPoll);
      gpuProbe?.stop();
      deps.onCurrentCell(null);
    }
  };
}
