import type { CellSummary } from '@inferlab/experiments';
import { presentMetrics, type Scalar } from './cell-metrics.ts';
import { type Pct, percentileWithCi } from './format.ts';

export type { Scalar } from './cell-metrics.ts';

export const SEED_KEYS = ['mode', 'dtype', 'use_cache', 'model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'] as const;
export const LATENCY_METRICS = ['ttft', 'tpot', 'e2el'] as const;
const PCTS: Pct[] = ['p50', 'p95', 'p99'];

export type Column = {
  key: string;
  label: string;
  title?: string;
  /** For sorting: numbers sort numerically, nulls last. */
  sortValue: (c: CellSummary) => Scalar;
  display: (c: CellSummary) => { text: string; insufficient?: boolean };
  numeric: boolean;
};

const text = (v: Scalar): string => (v === null ? '–' : typeof v === 'number' ? String(Number(v.toPrecision(4))) : String(v));
const seedValue = (c: CellSummary, k: (typeof SEED_KEYS)[number]): Scalar => c.seed?.[k] ?? null;

export function tableColumns(cells: readonly CellSummary[], label: (c: CellSummary) => string): Column[] {
  const seed = SEED_KEYS.map<Column>((k) => ({
    key: k,
    label: k,
    numeric: !['mode', 'dtype', 'use_cache'].includes(k),
    sortValue: (c) => seedValue(c, k),
    display: (c) => ({ text: text(seedValue(c, k)) }),
  }));
  const latency = LATENCY_METRICS.flatMap((m) =>
    PCTS.map<Column>((p) => ({
      key: `${m}.${p}`,
      label: `${m.toUpperCase()} ${p}`,
      title: `${m.toUpperCase()} ${p} in ms [95% bootstrap CI]`,
      numeric: true,
      sortValue: (c) => c[m]?.[p] ?? null,
      display: (c) => percentileWithCi(c[m], p),
    })),
  );
  const extras = presentMetrics(cells).map<Column>((m) => ({
    key: `extra.${m.key}`,
    label: m.key,
    title: m.title,
    numeric: cells.some((c) => typeof m.value(c) === 'number'),
    sortValue: m.value,
    display: (c) => ({ text: text(m.value(c)) }),
  }));
  return [
    { key: 'cell', label: 'cell', numeric: false, sortValue: (c) => label(c), display: (c) => ({ text: label(c) }) },
    { key: 'status', label: 'status', numeric: false, sortValue: (c) => c.status, display: (c) => ({ text: c.status }) },
    ...seed,
    { key: 'requests', label: 'requests', numeric: true, sortValue: (c) => c.requests, display: (c) => ({ text: String(c.requests) }) },
    ...latency,
    ...extras,
  ];
}

export type SortState = { key: string; dir: 1 | -1 };

/** Stable sort by one column; missing values always last, whatever the direction. */
export function sortCells(cells: readonly CellSummary[], column: Column | undefined, dir: 1 | -1): CellSummary[] {
  if (column === undefined) return [...cells];
  return cells
    .map((c, i) => ({ c, i, v: column.sortValue(c) }))
    .sort((x, y) => {
      if (x.v === null || y.v === null) return x.v === y.v ? x.i - y.i : x.v === null ? 1 : -1;
      const cmp = typeof x.v === 'number' && typeof y.v === 'number' ? x.v - y.v : String(x.v).localeCompare(String(y.v));
      return cmp === 0 ? x.i - y.i : cmp * dir;
    })
    .map((x) => x.c);
}

/** Every number of a cell as one flat record: the CSV export's row (columns of metrics no cell has are left out). */
export function flatCell(c: CellSummary, label: string, cells: readonly CellSummary[] = [c]): Record<string, Scalar> {
  const row: Record<string, Scalar> = { cell_id: c.cellId, cell: label, status: c.status, attempt: c.attempt, requests: c.requests };
  for (const k of SEED_KEYS) row[k] = seedValue(c, k);
  for (const m of [...LATENCY_METRICS, 'itl'] as const) {
    const s = c[m];
    for (const stat of ['n', 'mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const)
      row[`${m}_${stat}${stat === 'n' ? '' : '_ms'}`] = s?.[stat] ?? null;
    for (const p of PCTS) {
      row[`${m}_${p}_ci_lo_ms`] = s?.ci?.[p].lo ?? null;
      row[`${m}_${p}_ci_hi_ms`] = s?.ci?.[p].hi ?? null;
    }
    for (const p of ['p95', 'p99'] as const) row[`${m}_${p}_insufficient`] = s?.insufficient[p] ?? null;
  }
  row['throughput_tokens_per_s'] = c.throughput.tokensPerS;
  row['throughput_requests_per_s'] = c.throughput.requestsPerS;
  for (const m of presentMetrics(cells)) if (!m.key.startsWith('throughput.')) row[m.key] = m.value(c);
  row['model'] = c.config.model;
  row['device'] = c.config.device;
  row['threads'] = c.config.threads;
  row['max_new_tokens'] = c.config.maxNewTokens;
  row['decoding'] = c.config.decoding.strategy;
  row['error'] = c.error;
  return row;
}
