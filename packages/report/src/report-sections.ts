import { num } from './format.ts';
import type { ReportInput } from './report-input.ts';
import type { Table } from './table.ts';

/** Every environment field the cells recorded; a field that differs between cells lists each value. */
export function environmentTable(input: ReportInput): Table {
  const envs = input.results.cells.flatMap((c) => (c.environment ? [c.environment as Record<string, unknown>] : []));
  const keys = [...new Set(envs.flatMap((e) => Object.keys(e)))];
  return {
    columns: ['field', 'value'],
    rows: keys.map((k) => {
      const values = [...new Set(envs.map((e) => formatValue(k, e[k])))];
      return [k, values.join(' | ')];
    }),
  };
}

/** The experiment's header lines: id, status, progress, timings, how percentiles and CIs are computed. */
export function summaryLines(input: ReportInput): [string, string][] {
  const { experiment: e, results } = input;
  const p = e.progress;
  const boot = results.method.bootstrap;
  return [
    ['experiment', e.id],
    ['status', e.status],
    ['cells', `${p.total} (done ${p.done}, failed ${p.failed}, running ${p.running}, queued ${p.queued})`],
    ['created', e.createdAt],
    ['percentiles', results.method.percentile],
    ['confidence intervals', `${Math.round(boot.level * 100)}% percentile bootstrap, ${boot.resamples} resamples, seed ${boot.seed}`],
    ['report generated', input.generatedAt],
  ];
}

/** The prompts every cell ran, in matrix order. */
export function promptsOf(input: ReportInput): string[] {
  const prompts = (input.experiment.matrix as { prompts?: unknown }).prompts;
  return Array.isArray(prompts) ? prompts.map(String) : [];
}

function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (key === 'memoryBytes' && typeof value === 'number') return `${num(value / 2 ** 30)} GiB`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
