import type { CellConfig, CellRun, DistillJob, DistillProgressPayload, Progress } from '@inferlab/experiments';
import type { DistillOutcome } from './distill-task.ts';

/** What the inference thread is started with (worker config.ts's values), besides the cancel flag. */
export type InferenceThreadData = { modelsDir: string; modelRoots: string[]; modelCache: number; gitCommit: string | undefined };

/** A cell to run, or a distill job (exit-head training) to run on the same thread. */
export type ThreadRequest = { id: number; spec: CellConfig } | { id: number; distill: DistillJob; threads: number };
export type ThreadResponse =
  | { id: number; type: 'progress'; progress: Progress }
  | { id: number; type: 'result'; run: CellRun }
  | { id: number; type: 'distill-progress'; progress: DistillProgressPayload }
  | { id: number; type: 'distill-result'; outcome: DistillOutcome }
  | { id: number; type: 'error'; error: { name: string; message: string; permanent: boolean } };
