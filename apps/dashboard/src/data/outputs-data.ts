import { answer, idParam } from '@inferlab/client';
import type { CellOutputs, ExperimentOutputs } from '@inferlab/experiments';
import { api } from '../api/http.ts';

// A finished cell's outputs never change: kept per cell for the page's lifetime.
const cellCache = new Map<string, Promise<CellOutputs>>();

/** `GET /v1/cells/:id/outputs`: every measured request's text and token ids. */
export function loadCellOutputs(cellId: string): Promise<CellOutputs> {
  let p = cellCache.get(cellId);
  if (!p) {
    p = answer(api.v1.cells[':id'].outputs.$get(idParam(cellId)));
    p.catch(() => cellCache.delete(cellId));
    cellCache.set(cellId, p);
  }
  return p;
}

/** `GET /v1/experiments/:id/outputs`: per prompt, each cell against its model's fp32 greedy cell. */
export const loadExperimentOutputs = (experimentId: string): Promise<ExperimentOutputs> =>
  answer(api.v1.experiments[':id'].outputs.$get(idParam(experimentId)));
