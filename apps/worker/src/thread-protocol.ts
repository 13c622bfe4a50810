import type { DistillProgress } from '@inferlab/core';
import type { DistillJob } from '@inferlab/experiments';
import type { CellRun, CellSpec, Progress } from '@inferlab/runner';
import type { DistillOutcome } from './distill-task.ts';

/** A cell to run, or a distill job (exit-head training) to run on the same thread. */
export type ThreadRequest = { id: number; spec: CellSpec } | { id: number; distill: DistillJob; threads: number };
export type ThreadResponse =
  | { id: number; type: 'progress'; progress: Progress }
  | { id: number; type: 'result'; run: CellRun }
  | { id: number; type: 'distill-progress'; progress: DistillProgress }
  | { id: number; type: 'distill-result'; outcome: DistillOutcome }
  | { id: number; type: 'error'; error: { name: string; message: string; permanent: boolean } };
