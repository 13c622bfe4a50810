import type { CellRun, CellSpec, Progress } from '@inferlab/core';

export type ThreadRequest = { id: number; spec: CellSpec };
export type ThreadResponse =
  | { id: number; type: 'progress'; progress: Progress }
  | { id: number; type: 'result'; run: CellRun }
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
]);
