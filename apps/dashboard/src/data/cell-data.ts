import { answer, idParam } from '@inferlab/client';
import type { CellSummary, CellTokens, ExperimentResults } from '@inferlab/experiments';
import { api } from '../api/http.ts';

// A finished cell's numbers never change: results are kept per experiment for pickers (the
// experiment view always refetches), token timelines per cell, both for the page's lifetime.
const resultsCache = new Map<string, Promise<ExperimentResults>>();
const tokenCache = new Map<string, Promise<CellTokens>>();

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

export const fetchResults = (experimentId: string): Promise<ExperimentResults> =>
  answer(api.v1.experiments[':id'].results.$get(idParam(experimentId)));

export const cachedResults = (experimentId: string): Promise<ExperimentResults> =>
  cached(resultsCache, experimentId, () => fetchResults(experimentId));

export const cellTokens = (cellId: string): Promise<CellTokens> =>
  cached(tokenCache, cellId, () => answer(api.v1.cells[':id'].tokens.$get(idParam(cellId))));

/** The done cells of an experiment, for a picker. */
export const doneCells = async (experimentId: string): Promise<{ done: CellSummary[]; all: CellSummary[] }> => {
  const { cells } = await cachedResults(experimentId);
  return { done: cells.filter((c) => c.status === 'done'), all: cells };
};

/** `GET /v1/cells/:id` carries the experiment a cell belongs to; null for an unknown cell. */
export const experimentOfCell = (cellId: string): Promise<string | null> =>
  answer(api.v1.cells[':id'].$get(idParam(cellId))).then(
    (c) => c.experimentId,
    () => null,
  );
