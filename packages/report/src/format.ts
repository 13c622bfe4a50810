import type { MetricSummary } from '@inferlab/experiments';

/** Few digits for big numbers, more for small: 41.2, 3.14, 0.0123 (as the dashboard shows them). */
export function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(Math.min(decimals, 6));
}

export type Pct = 'p50' | 'p95' | 'p99';

/** Marks a percentile with fewer than 10 observations beyond it (docs/metrics.md): little more than the maximum. */
export const INSUFFICIENT_MARK = '†';
export const INSUFFICIENT_NOTE = `${INSUFFICIENT_MARK} insufficient samples: fewer than 10 observations beyond this percentile`;

/** docs/metrics.md: `41.2 [40.1, 43.0]`; a tail too thin to trust is marked. */
export function percentileText(m: MetricSummary | null, p: Pct): string {
  if (m === null) return '–';
  const ci = m.ci?.[p];
  const text = ci ? `${num(m[p])} [${num(ci.lo)}, ${num(ci.hi)}]` : num(m[p]);
  return p !== 'p50' && m.insufficient[p] ? `${text} ${INSUFFICIENT_MARK}` : text;
}

export function megabytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : `${num(bytes / 2 ** 20)} MB`;
}
