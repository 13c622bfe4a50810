// Prints the seed notebook's closing table from GET /v1/experiments/:id/results.
import type { ExperimentResults, MetricSummaryView } from '@inferlab/experiments';

// The answer's types are the api's own (@inferlab/experiments api-views), not a copy.
export type ResultsResponse = ExperimentResults;
type Summary = MetricSummaryView | null;

const fmt = (v: number | null, digits: number) => (v === null ? '-' : v.toFixed(digits));
/** A percentile from too few samples is shown with a `*` (docs/metrics.md: "insufficient samples"). */
const pct = (s: Summary, p: 'p50' | 'p95' | 'p99') => {
  if (!s) return '-';
  const star = p !== 'p50' && s.insufficient[p] ? '*' : '';
  return `${fmt(s[p], 1)}${star}`;
};

export function formatSeedTable(results: ResultsResponse): string {
  const header = [
    'mode',
    'dtype',
    'use_cache',
    'model_size_MB',
    'time_s',
    'tokens_generated',
    'tokens_per_s',
    'speedup',
    'e2el_p50_ms',
    'e2el_p95_ms',
    'e2el_p99_ms',
    'ttft_p50_ms',
    'ttft_p95_ms',
    'ttft_p99_ms',
  ];
  const done = results.cells.filter((c) => c.seed);
  const baseline = done.find((c) => c.seed && !c.seed.use_cache && c.seed.dtype === 'fp32')?.seed?.tokens_per_s;
  const rows = done.flatMap((c) => {
    const s = c.seed;
    if (s === null) return [];
    const row = [
      s.mode,
      s.dtype,
      String(s.use_cache),
      fmt(s.model_size_MB, 1),
      fmt(s.time_s, 3),
      String(s.tokens_generated),
      fmt(s.tokens_per_s, 2),
      baseline && s.tokens_per_s !== null ? `${fmt(s.tokens_per_s / baseline, 2)}x` : '-',
      pct(c.e2el, 'p50'),
      pct(c.e2el, 'p95'),
      pct(c.e2el, 'p99'),
      pct(c.ttft, 'p50'),
      pct(c.ttft, 'p95'),
      pct(c.ttft, 'p99'),
    ];
    return [row];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  const out = [
    `\n${results.experiment.name} (${results.experiment.id})`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  const first = done[0];
  if (first) {
    const env = first.environment;
    out.push(
      '',
      `model ${first.config.model}; ${first.requests} measured requests per cell; threads ${first.config.threads}${env?.cpuModel ? `; ${env.cpuModel}` : ''}`,
      'time_s = median E2EL; tokens_generated = median N_out; tokens_per_s = median of N_out / E2EL; speedup = tokens_per_s / fp32 no-cache tokens_per_s',
      'E2EL and TTFT percentiles pooled over measured requests, linear interpolation; * = insufficient samples (fewer than 10 beyond the percentile)',
    );
  }
  for (const c of results.cells.filter((x) => !x.seed)) out.push(`cell ${c.config.model} ${c.status}${c.error ? `: ${c.error}` : ''}`);
  return out.join('\n');
}
