import { type DistillJob, finalFailureJobId, type ResultMessage } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import type { InferenceHost } from './inference-host.ts';
import { attemptOf, publisher, runAttempt, throttle } from './job-attempt.ts';
import type { Logger } from './logger.ts';

export type DistillProcessorDeps = {
  host: Pick<InferenceHost, 'distill'>;
  results: Queue<ResultMessage>;
  workerId: string;
  /** intraOpNumThreads for training; 0 = onnxruntime decides. */
  threads: number;
  log: Logger;
};

const PROGRESS_EVERY_MS = 1000;

/** The BullMQ processor of `distill-<device>`: trains on the inference thread, publishes to `results`. */
export function createDistillProcessor(deps: DistillProcessorDeps) {
  const publish = publisher(deps.results);
  return async (job: Job<DistillJob>): Promise<{ version: string; reused: boolean }> => {
    const { distillId } = job.data;
    const attempt = attemptOf(job);
    const log = deps.log.child({ distillId, model: job.data.request.model, attempt });
    const ref = { distillId, attempt };
    return runAttempt(
      job,
      log,
      async () => {
        await publish({ kind: 'distill-started', ...ref, workerId: deps.workerId, at: new Date().toISOString() });
        const due = throttle(PROGRESS_EVERY_MS);
        let phase: string | null = null;
        const outcome = await deps.host.distill(job.data, deps.threads, (p) => {
          // Every phase change and the last step go out; steps in between at most once a second.
          const force = p.phase !== phase || p.phase !== 'train' || p.step >= p.totalSteps;
          phase = p.phase;
          if (!due(force)) return;
          void job.updateProgress(p).catch(() => undefined);
          void publish({ kind: 'distill-progress', ...ref, ...p }).catch(() => undefined);
        });
        const { reused, ...result } = outcome;
        await publish(
          { kind: 'distill-result', ...ref, workerId: deps.workerId, ...result, at: new Date().toISOString() },
          `distill-result:${distillId}:${attempt}`,
        );
        log.info({ version: outcome.version, reused }, reused ? 'distill done (published by an earlier attempt)' : 'distill done');
        return { version: outcome.version, reused };
      },
      (failure) =>
        publish(
          { kind: 'distill-failed', ...ref, workerId: deps.workerId, reason: failure.reason, final: failure.final },
          failure.final ? finalFailureJobId(ref.distillId) : undefined,
        ),
    );
  };
}
