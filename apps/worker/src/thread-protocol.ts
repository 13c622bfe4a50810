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
  | { id: number; type: 'error'; error: { name: string; message: string } };

/** Errors that a retry cannot fix: the cell fails at once with the reason. */
export const PERMANENT_ERRORS = new Set([
  'UnknownForgeModelError',
  'InvalidModelIdError',
  'ModelPathError',
  'ModelUnavailableError',
  'ModelConfigError',
  'PromptTooLongError',
  'DecodingConfigError', // a strategy that cannot run this cell (batching beam, a draft with another vocabulary)
  'TokenizerLoadError',
  'RangeError',
  'CellCancelledError',
  'DistillOptionsError', // distill: a layer, rank… the model cannot have
  'DistillModelError', // distill: not a GPT-2-family inferlab graph
  'Gpt2ImportError',
]);
