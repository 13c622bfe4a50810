import type { HubOptions, TrainJobOutcome } from '@inferlab/core';
import type {
  CellConfig,
  CellRun,
  DistillJob,
  DistillProgressPayload,
  Progress,
  TrainJob,
  TrainProgressPayload,
} from '@inferlab/experiments';
import type { DistillOutcome } from './distill-task.ts';

// Messages between the worker's main thread (InferenceHost) and the inference thread. Every request
// and response names its run by `id`; the thread answers each request with progress messages, then
// exactly one result or error.

/** What the inference thread is started with (worker config.ts's values), besides the cancel flag. */
export type InferenceThreadData = {
  modelsDir: string;
  modelRoots: string[];
  modelCache: number;
  gitCommit: string | undefined;
  hub: HubOptions;
};

export type ThreadRequest =
  | { kind: 'cell'; id: number; spec: CellConfig }
  /** Exit-head training on the same thread, taking turns with cells. */
  | { kind: 'distill'; id: number; job: DistillJob; threads: number }
  /** Model training (train jobs) on the same thread; cancel() stops it at its next step. */
  | { kind: 'train'; id: number; job: TrainJob; threads: number; workerId: string };

/** An error thrown on the thread: its class stays there, its name, message and retry policy come back. */
export type ThreadError = { name: string; message: string; permanent: boolean };

export type ThreadResponse =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'warning'; id: number; message: string; fields: Record<string, unknown> }
  | { kind: 'result'; id: number; run: CellRun }
  | { kind: 'distill-progress'; id: number; progress: DistillProgressPayload }
  | { kind: 'distill-result'; id: number; outcome: DistillOutcome }
  | { kind: 'train-started'; id: number; resumedFrom: number }
  | { kind: 'train-progress'; id: number; progress: TrainProgressPayload }
  | { kind: 'train-result'; id: number; outcome: TrainJobOutcome }
  | { kind: 'error'; id: number; error: ThreadError };
