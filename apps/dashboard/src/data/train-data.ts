import { answer, type DistillSubmitted, idParam, jsonText, type TrainSubmitted } from '@inferlab/client';
import type { TrainJobView } from '@inferlab/experiments';
import { api } from '../api/http.ts';
import type { PlotSpec } from '../charts/plot-spec.ts';

/** The list refetches on every `train` SSE event, and this often while a job is active (a missed event, a reconnect). */
export const TRAIN_POLL_MS = 5000;

export const EXAMPLE_TRAIN_JOB = {
  name: 'kjv-tiny',
  shape: { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 64, nPositions: 64 },
  corpus: 'kjv',
  steps: 200,
  batchSize: 4,
  seqLen: 64,
  learningRate: { peak: 3e-3, warmupSteps: 10 },
  evalEvery: 20,
  seed: 1,
};

export const loadTrainJobs = (): Promise<TrainJobView[]> => answer(api.v1.train.$get()).then((r) => r.jobs);

/** A body with `"kind": "student"` is a student distillation (POST /v1/distill); any other, pretraining (POST /v1/train). */
export function submitTrain(body: string): Promise<TrainSubmitted | DistillSubmitted> {
  let kind: unknown;
  try {
    kind = (JSON.parse(body) as { kind?: unknown }).kind;
  } catch {
    kind = undefined; // the api answers invalid_json
  }
  return answer(kind === 'student' ? api.v1.distill.$post({}, jsonText(body)) : api.v1.train.$post({}, jsonText(body)));
}

export const cancelTrain = (id: string): Promise<TrainJobView> => answer(api.v1.train[':id'].cancel.$post(idParam(id)));

export const anyTraining = (jobs: readonly TrainJobView[]): boolean => jobs.some((j) => j.status === 'queued' || j.status === 'running');

/** The loss curves of one job: training loss at every recorded step, held-out loss where it was evaluated. */
export function lossCurveSpec(job: TrainJobView): PlotSpec {
  return {
    title: `loss — ${job.request.name ?? job.id}`,
    xLabel: 'step',
    yLabel: 'loss (nats / token)',
    x: job.curve.map((c) => c.step),
    series: [
      { label: 'train', values: job.curve.map((c) => c.trainLoss) },
      { label: 'held-out', values: job.curve.map((c) => c.heldOutLoss ?? null) },
    ],
    kind: 'line',
  };
}

/** `/submit?model=<id>`: the Submit view's matrix prefilled with this model. */
export const newExperimentHref = (modelId: string): string => `/submit?model=${encodeURIComponent(modelId)}`;
