import type { CellSummary, CellTokens, ExperimentResults, StoredCellView } from '@inferlab/experiments';
import { getJson } from '../api/http.ts';

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
  getJson<ExperimentResults>(`/v1/experiments/${encodeURIComponent(experimentId)}/results`);

export const cachedResults = (experimentId: string): Promise<ExperimentResults> =>
  cached(resultsCache, experimentId, () => fetchResults(experimentId));

export const cellTokens = (cellId: string): Promise<CellTokens> =>
  cached(tokenCache, cellId, () => getJson<CellTokens>(`/v1/cells/${encodeURIComponent(cellId)}/tokens`));

/** The done cells of an experiment, for a picker. */
export const doneCells = async (experimentId: string): Promise<{ done: CellSummary[]; all: CellSummary[] }> => {
  const { cells } = await cachedResults(experimentId);
  return { done: cells.filter((c) => c.status === 'done'), all: cells };
};

/** `GET /v1/cells/:id` carries the experiment a cell belongs to; null for an unknown cell. */
export const experimentOfCell = (cellId: string): Promise<string | null> =>
  getJson<StoredCellView>(`/v1/cells/${encodeURIComponent(cellId)}`).then(
    (c) => c.experimentId,
    () => null,
  );
