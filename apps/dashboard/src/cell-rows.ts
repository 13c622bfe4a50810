import type { CellSummary, MetricSummary } from './api-types.ts';
import { type Pct, percentileWithCi } from './format.ts';

export type Scalar = string | number | boolean | null;

/** Keys of a CellSummary the table shows on purpose; any other key is an extra metric (quality, strategy…). */
const KNOWN = new Set([
  'cellId',
  'index',
  'status',
  'attempt',
  'error',
  'config',
  'requests',
  'seed',
  'ttft',
  'tpot',
  'e2el',
  'itl',
  'throughput',
  'model',
  'peakRssBytes',
  'kvCacheBytes',
  'cpu',
  'wallMs',
  'environment',
  'metricsVersion',
]);
const SEED_KEYS = ['mode', 'dtype', 'use_cache', 'model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'] as const;
export const LATENCY_METRICS = ['ttft', 'tpot', 'e2el'] as const;
const PCTS: Pct[] = ['p50', 'p95', 'p99'];

/** Numeric, boolean and short text leaves of the extra keys, dotted (`quality.perplexity`). */
export function extraMetrics(cell: CellSummary): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  const walk = (path: string, value: unknown, depth: number) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'number' || typeof value === 'boolean') out[path] = value;
    else if (typeof value === 'string' && value.length <= 80) out[path] = value;
    else if (typeof value === 'object' && !Array.isArray(value) && depth < 3)
      for (const [k, v] of Object.entries(value)) walk(`${path}.${k}`, v, depth + 1);
  };
  for (const [k, v] of Object.entries(cell)) if (!KNOWN.has(k)) walk(k, v, 0);
  // Seed-row fields beyond the notebook's (a newer api may add some) are extras too.
  for (const [k, v] of Object.entries(cell.seed ?? {}))
    if (!(SEED_KEYS as readonly string[]).includes(k) && !/^p\d\d_/.test(k)) walk(`seed.${k}`, v, 1);
  return out;
}

/** Union of extra metric names over cells, in first-seen order. */
export function extraColumns(cells: readonly CellSummary[]): string[] {
  const names = new Set<string>();
  for (const c of cells) for (const k of Object.keys(extraMetrics(c))) names.add(k);
  return [...names];
}

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

export function tableColumns(cells: readonly CellSummary[], label: (c: CellSummary) => string): Column[] {
  const seed = SEED_KEYS.map<Column>((k) => ({
    key: k,
    label: k,
    numeric: !['mode', 'dtype', 'use_cache'].includes(k),
    sortValue: (c) => (c.seed?.[k] as Scalar | undefined) ?? null,
    display: (c) => ({ text: text((c.seed?.[k] as Scalar | undefined) ?? null) }),
  }));
  const latency = LATENCY_METRICS.flatMap((m) =>
    PCTS.map<Column>((p) => ({
      key: `${m}.${p}`,
      label: `${m.toUpperCase()} ${p}`,
      title: `${m.toUpperCase()} ${p} in ms [95% bootstrap CI]`,
      numeric: true,
      sortValue: (c) => (c[m] as MetricSummary | null)?.[p] ?? null,
      display: (c) => percentileWithCi(c[m] as MetricSummary | null, p),
    })),
  );
  const extras = extraColumns(cells).map<Column>((k) => ({
    key: `extra.${k}`,
    label: k,
    numeric: cells.some((c) => typeof extraMetrics(c)[k] === 'number'),
    sortValue: (c) => extraMetrics(c)[k] ?? null,
    display: (c) => ({ text: text(extraMetrics(c)[k] ?? null) }),
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

/** Every number of a cell as one flat record: the CSV export's row. */
export function flatCell(c: CellSummary, label: string): Record<string, Scalar> {
  const row: Record<string, Scalar> = { cell_id: c.cellId, cell: label, status: c.status, attempt: c.attempt, requests: c.requests };
  for (const k of SEED_KEYS) row[k] = (c.seed?.[k] as Scalar | undefined) ?? null;
  for (const m of [...LATENCY_METRICS, 'itl'] as const) {
    const s = c[m] as MetricSummary | null;
    for (const stat of ['n', 'mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const)
      row[`${m}_${stat}${stat === 'n' ? '' : '_ms'}`] = s?.[stat] ?? null;
    for (const p of PCTS) {
      row[`${m}_${p}_ci_lo_ms`] = s?.ci?.[p].lo ?? null;
      row[`${m}_${p}_ci_hi_ms`] = s?.ci?.[p].hi ?? null;
    }
    for (const p of ['p95', 'p99'] as const) row[`${m}_${p}_insufficient`] = s?.insufficient[p] ?? null;
  }
  row['throughput_tokens_per_s'] = c.throughput?.tokensPerS ?? null;
  row['throughput_requests_per_s'] = c.throughput?.requestsPerS ?? null;
  for (const [k, v] of Object.entries(extraMetrics(c))) row[k] = v;
  row['model'] = c.config.model;
  row['device'] = c.config.device;
  row['threads'] = c.config.threads;
  row['max_new_tokens'] = c.config.maxNewTokens;
  row['decoding'] = c.config.decoding.strategy;
  row['error'] = c.error;
  return row;
}
