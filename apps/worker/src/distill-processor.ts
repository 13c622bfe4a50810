import { type DistillJob, RESULT_JOB_OPTIONS, type ResultMessage } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import type { InferenceHost } from './inference-host.ts';
import { errorForBullmq, jobFailure } from './job-failure.ts';

export type DistillProcessorDeps = {
  host: InferenceHost;
  results: Queue<ResultMessage>;
  workerId: string;
  /** intraOpNumThreads for training; 0 = onnxruntime decides. */
  threads: number;
  log: (line: string) => void;
};

const PROGRESS_EVERY_MS = 1000;

/** The BullMQ processor of `distill-<device>`: trains on the inference thread, publishes to `results`. */
export function createDistillProcessor(deps: DistillProcessorDeps) {
  return async (job: Job<DistillJob>): Promise<{ version: string; reused: boolean }> => {
    const { distillId } = job.data;
    const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
    const publish = (msg: ResultMessage, jobId?: string) =>
      deps.results.add(msg.kind, msg, jobId ? { ...RESULT_JOB_OPTIONS, jobId } : RESULT_JOB_OPTIONS);
    await publish({ kind: 'distill-started', distillId, attempt, workerId: deps.workerId, at: new Date().toISOString() });
    let last = 0;
    try {
      const outcome = await deps.host.distill(job.data, deps.threads, (p) => {
        const now = Date.now();
        // Every phase change and the last step go out; steps in between at most once a second.
        if (p.phase === 'train' && p.step < p.totalSteps && now - last < PROGRESS_EVERY_MS) return;
        last = now;
        void job.updateProgress(p).catch(() => undefined);
        void publish({ kind: 'distill-progress', distillId, attempt, ...p }).catch(() => undefined);
      });
      const { reused: _reused, ...result } = outcome;
      await publish(
        { kind: 'distill-result', distillId, attempt, workerId: deps.workerId, ...result, at: new Date().toISOString() },
        `distill-result:${distillId}:${attempt}`,
      );
      deps.log(`distill ${distillId} done: heads ${outcome.version}${outcome.reused ? ' (published by an earlier attempt)' : ''}`);
      return { version: outcome.version, reused: outcome.reused };
    } catch (err) {
      const failure = jobFailure(err, job);
      deps.log(`distill ${distillId} attempt ${attempt} failed${failure.final ? ' (final)' : ''}: ${failure.reason}`);
      await publish({ kind: 'distill-failed', distillId, attempt, workerId: deps.workerId, reason: failure.reason, final: failure.final });
      throw errorForBullmq(failure, err);
    }
  };
}
