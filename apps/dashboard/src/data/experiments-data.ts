import { answer } from '@inferlab/client';
import type { ExperimentEvent, ExperimentListItem, ExperimentListPage, ExperimentListRow, ExperimentStatus } from '@inferlab/experiments';
import { api } from '../api/http.ts';

/** For pickers: the newest 500 (the api's largest page; the list itself pages). */
export const loadExperiments = (): Promise<ExperimentListItem[]> =>
  answer(api.v1.experiments.$get({ query: { limit: '500' } })).then((r) => r.experiments);

/** The list's filters, as the page's URL carries them (`/?status=done&model=…&name=…&prompt=…`). */
export type ListFilter = { status: ExperimentStatus | ''; model: string; name: string; prompt: string };
const FILTER_KEYS = ['status', 'model', 'name', 'prompt'] as const;
// The dashboard imports only types from @inferlab/experiments (no zod in the bundle); `satisfies` keeps this list honest.
export const LIST_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const satisfies readonly ExperimentStatus[];

export function filterFromQuery(q: URLSearchParams): ListFilter {
  const status = q.get('status') ?? '';
  return {
    status: ((LIST_STATUSES as readonly string[]).includes(status) ? status : '') as ListFilter['status'],
    model: q.get('model') ?? '',
    name: q.get('name') ?? '',
    prompt: q.get('prompt') ?? '',
  };
}

/** The filters that are set (and the cursor), as query parameters: the page's URL and the api take the same. */
export function filterParams(filter: ListFilter, cursor?: string | null): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (filter[k].trim() !== '') q[k] = filter[k].trim();
  if (cursor) q['cursor'] = cursor;
  return q;
}

/** The filters that are set, as a query string (empty when none is). */
export function filterQuery(filter: ListFilter, cursor?: string | null): string {
  const s = new URLSearchParams(filterParams(filter, cursor)).toString();
  return s ? `?${s}` : '';
}

export const isFiltered = (filter: ListFilter): boolean => FILTER_KEYS.some((k) => filter[k].trim() !== '');

/** One page of `GET /v1/experiments`, newest first; pass the previous page's `nextCursor` for the next. */
export const loadExperimentListPage = (filter: ListFilter, cursor?: string | null): Promise<ExperimentListPage> =>
  answer(api.v1.experiments.$get({ query: filterParams(filter, cursor) }));

/** A listed experiment and, while a cell runs, that cell's request progress from the live stream. */
export type ListedExperiment = { item: ExperimentListRow; running?: { done: number; total: number } };

/**
 * Applies a live event to the listed experiments. `unlisted`: submitted elsewhere after the list was
 * fetched, so the list is stale and should be fetched once.
 */
export function applyListEvent(listed: Map<string, ListedExperiment>, e: ExperimentEvent): 'updated' | 'unlisted' {
  const entry = listed.get(e.id);
  if (!entry) return 'unlisted';
  entry.item = { ...entry.item, status: e.status, progress: e.progress };
  if (e.cell?.done !== undefined && e.cell.total !== undefined) entry.running = { done: e.cell.done, total: e.cell.total };
  return 'updated';
}
