import type { ExperimentResults } from '@inferlab/db';
import { cellLabels } from './cell-labels.ts';
import { megabytes, num, type Pct, percentileText } from './format.ts';
import type { Table } from './table.ts';

type Cell = ExperimentResults['cells'][number];

/** The seed notebook's closing table, one row per cell (failed cells say why). */
export function seedTable(results: Pick<ExperimentResults, 'cells'>): Table {
  const labels = cellLabels(results.cells.map((c) => c.config));
  return {
    columns: ['cell', 'status', 'mode', 'dtype', 'use_cache', 'model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'],
    rows: results.cells.map((cell, i) => {
      const s = cell.seed;
      const head = [labels[i] ?? cell.cellId, statusText(cell)];
      if (s === null) return [...head, '–', cell.config.variant.dtype, String(cell.config.variant.cache), '–', '–', '–', '–'];
      return [
        ...head,
        s.mode,
        s.dtype,
        String(s.use_cache),
        num(s.model_size_MB),
        num(s.time_s),
        String(s.tokens_generated),
        num(s.tokens_per_s),
      ];
    }),
  };
}

const METRICS = ['ttft', 'tpot', 'e2el', 'itl'] as const;
const PCTS: Pct[] = ['p50', 'p95', 'p99'];

/** TTFT, TPOT, E2EL and ITL percentiles in ms, each `value [95% CI]` (ITL has no CI: its gaps are not independent). */
export function percentileTable(results: Pick<ExperimentResults, 'cells'>): Table {
  const labels = cellLabels(results.cells.map((c) => c.config));
  return {
    columns: ['cell', 'requests', ...METRICS.flatMap((m) => PCTS.map((p) => `${m} ${p} (ms)`)), 'tokens/s'],
    rows: results.cells.map((cell, i) => [
      labels[i] ?? cell.cellId,
      String(cell.requests),
      ...METRICS.flatMap((m) => PCTS.map((p) => percentileText(cell[m], p))),
      num(cell.throughput.tokensPerS),
    ]),
  };
}

/** Cell ids, configs and what else a cell carries: model file, memory, quality, cost. */
export function cellDetailTable(results: Pick<ExperimentResults, 'cells'>): Table {
  const labels = cellLabels(results.cells.map((c) => c.config));
  return {
    columns: ['cell', 'id', 'model', 'engine', 'device', 'threads', 'weights', 'peak RSS', 'perplexity', 'top-1 agreement', 'error'],
    rows: results.cells.map((cell: Cell, i) => [
      labels[i] ?? cell.cellId,
      cell.cellId,
      cell.config.model,
      cell.config.engine ?? 'inferlab',
      cell.config.device,
      String(cell.config.threads),
      megabytes(cell.model.fileBytes),
      megabytes(cell.peakRssBytes),
      num(cell.quality?.perplexity),
      num(cell.quality?.top1Agreement),
      cell.error ?? '',
    ]),
  };
}

function statusText(cell: Cell): string {
  return cell.status === 'failed' && cell.error ? `failed: ${cell.error}` : cell.status;
}

/** One flat row per cell with raw numbers (no formatting, CI bounds in their own columns): for spreadsheets and scripts. */
export function resultsCsvTable(results: Pick<ExperimentResults, 'cells'>): Table {
  const labels = cellLabels(results.cells.map((c) => c.config));
  const seedKeys = ['mode', 'dtype', 'use_cache', 'model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'] as const;
  const raw = (v: number | string | boolean | null | undefined) => (v === null || v === undefined ? '' : String(v));
  return {
    columns: [
      'cell',
      'cell_id',
      'status',
      'requests',
      ...seedKeys,
      ...METRICS.flatMap((m) => PCTS.flatMap((p) => [`${m}_${p}_ms`, `${m}_${p}_ci_lo`, `${m}_${p}_ci_hi`])),
      'throughput_tokens_per_s',
      'error',
    ],
    rows: results.cells.map((cell, i) => [
      labels[i] ?? cell.cellId,
      cell.cellId,
      cell.status,
      String(cell.requests),
      ...seedKeys.map((k) => raw(cell.seed?.[k])),
      ...METRICS.flatMap((m) => PCTS.flatMap((p) => [raw(cell[m]?.[p]), raw(cell[m]?.ci?.[p].lo), raw(cell[m]?.ci?.[p].hi)])),
      raw(cell.throughput.tokensPerS),
      cell.error ?? '',
    ]),
  };
}
