import { TrainCancelledError } from '@inferlab/core';
import { finalFailureJobId, type ResultMessage, type TrainJob } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import type { InferenceHost } from './inference-host.ts';
import { attemptOf, publisher, runAttempt, throttle } from './job-attempt.ts';
import type { Logger } from './logger.ts';

export type TrainProcessorDeps = {
  host: Pick<InferenceHost, 'train' | 'cancel'>;
  results: Queue<ResultMessage>;
  /** Whether the api flagged this train job cancelled (a Redis key). */
  isCancelled: (trainId: string) => Promise<boolean>;
  workerId: string;
  threads: number;
  log: Logger;
};

const PROGRESS_EVERY_MS = 1000;
const CANCEL_POLL_MS = 1000;

/** The BullMQ processor of `train-<device>`: trains on the inference thread, publishes to `results`. */
export function createTrainProcessor(deps: TrainProcessorDeps) {
  const publish = publisher(deps.results);
  return async (job: Job<TrainJob>): Promise<{ modelId: string; reused: boolean }> => {
    const { trainId } = job.data;
    const attempt = attemptOf(job);
    const log = deps.log.child({ trainId, kind: job.data.request.kind, attempt });
    const ref = { trainId, attempt };
    let cancelled = false;
    return runAttempt(
      job,
      log,
      async () => {
        if (await deps.isCancelled(trainId)) {
          cancelled = true;
          throw new TrainCancelledError('cancelled before it started');
        }
        const due = throttle(PROGRESS_EVERY_MS);
        let runId: number | null = null;
        const poll = setInterval(() => {
          void deps.isCancelled(trainId).then(
            (yes) => {
              if (yes && runId !== null) {
                cancelled = true;
                deps.host.cancel(runId);
              }
            },
            () => undefined,
          );
        }, CANCEL_POLL_MS);
        try {
          const outcome = await deps.host.train({
            job: job.data,
            threads: deps.threads,
            workerId: deps.workerId,
            onStart: (id) => {
              runId = id;
            },
            onTrainStarted: (resumedFrom) =>
              void publish({ kind: 'train-started', ...ref, workerId: deps.workerId, resumedFrom, at: new Date().toISOString() }).catch(
                () => undefined,
              ),
            onProgress: (p) => {
              // Held-out evaluations and the last step always go out; other steps at most once a second.
              if (!due(p.heldOutLoss !== undefined || p.step >= p.totalSteps)) return;
              void job.updateProgress(p).catch(() => undefined);
              void publish({ kind: 'train-progress', ...ref, ...p }).catch(() => undefined);
            },
          });
          const { reused, ...result } = outcome;
          await publish(
            { kind: 'train-result', ...ref, workerId: deps.workerId, ...result, at: new Date().toISOString() },
            `train-result:${trainId}:${attempt}`,
          );
          log.info({ modelId: outcome.modelId, reused }, reused ? 'train done (published by an earlier attempt)' : 'train done');
          return { modelId: outcome.modelId, reused };
        } finally {
          clearInterval(poll);
        }
      },
      (failure) =>
        publish(
          {
            kind: 'train-failed',
            ...ref,
            workerId: deps.workerId,
            reason: cancelled ? `cancelled: ${failure.reason}` : failure.reason,
            final: failure.final || cancelled,
            cancelled,
          },
          failure.final || cancelled ? finalFailureJobId(trainId) : undefined,
        ),
    );
  };
}
