import {
  type ExitHeadsFile,
  findExitHeadsByJob,
  type HubOptions,
  listExitHeads,
  resolveModel,
  saveExitHeads,
  trainExitHeads,
} from '@inferlab/core';
import type { DistillJob, DistillOutcomePayload, DistillProgressPayload } from '@inferlab/experiments';

// A distill job's work, on the inference thread (onnxruntime's run() blocks it): train the heads,
// publish them beside the model, return what the recorder stores. Idempotent on the job id: a retry
// after a crash that came after publishing returns the published version without training again,
// and one that came before trains again and publishes under the same name (saveExitHeads).

export type DistillOutcome = DistillOutcomePayload & {
  /** The version was already published by an earlier attempt of this job. */
  reused: boolean;
};

export type DistillTaskContext = {
  modelsDir: string;
  modelRoots: readonly string[];
  /** hf: downloads (the worker's HF_* config). */
  hub?: HubOptions | undefined;
  /** intraOpNumThreads; 0 = onnxruntime decides. */
  threads: number;
  onProgress: (p: DistillProgressPayload) => void;
};

const outcome = (f: ExitHeadsFile, reused: boolean): DistillOutcome => ({
  version: f.version,
  modelSha256: f.modelSha256,
  metrics: f.metrics,
  corpus: f.corpus,
  trainSeconds: f.trainSeconds ?? null,
  reused,
});

export async function runDistillTask(job: DistillJob, ctx: DistillTaskContext): Promise<DistillOutcome> {
  const { folder } = await resolveModel(job.request.model, 'fp32', ctx);
  const done = findExitHeadsByJob(folder, job.distillId);
  if (done !== null) return outcome(done, true);
  const r = job.request;
  const trained = await trainExitHeads(
    folder,
    {
      layers: r.layers,
      kind: r.kind,
      ...(r.rank === undefined ? {} : { rank: r.rank }),
      epochs: r.epochs,
      learningRate: r.learningRate,
      temperature: r.temperature,
      seed: r.seed,
      batchTokens: r.batchTokens,
      threads: ctx.threads,
      executionProvider: r.device,
    },
    ctx.onProgress,
  );
  const version = await saveExitHeads(folder, trained.set, { ...trained.meta, createdAt: job.createdAt, jobId: job.distillId });
  const published = listExitHeads(folder).find((f) => f.version === version);
  if (published === undefined) throw new Error(`exit heads ${version} were published in ${folder} but cannot be read back`);
  return outcome(published, false);
}
