import type { CellConfigView as CellConfig, MetricSummaryView as MetricSummary } from '@inferlab/experiments';
import { ABSENT_CONFIG_VALUES, distinguishingKeys } from '@inferlab/experiments/labels';

/** Few digits for big numbers, more for small: 41.2, 3.14, 0.0123. */
export function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs === 0) return '0';
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(Math.min(decimals, 6));
}

export type Pct = 'p50' | 'p95' | 'p99';

/** docs/metrics.md: `p95 = 41.2 ms [40.1, 43.0]`; the interval only where one was computed. */
export function percentileWithCi(m: MetricSummary | null, p: Pct): { text: string; insufficient: boolean } {
  if (m === null) return { text: '–', insufficient: false };
  const ci = m.ci?.[p];
  const text = ci ? `${num(m[p])} [${num(ci.lo)}, ${num(ci.hi)}]` : num(m[p]);
  const insufficient = p === 'p50' ? false : m.insufficient[p];
  return { text, insufficient };
}

export function bytesMB(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : `${num(bytes / 2 ** 20)} MB`;
}

export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function ago(ms: number): string {
  if (ms < 1000) return 'just now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

/** The config fields that differ between the cells, so labels name only what distinguishes them. */
export function varyingKeys(configs: readonly CellConfig[]): string[] {
  const flat = configs.map(flatConfig);
  const keys = new Set<string>();
  for (const f of flat) for (const k of Object.keys(f)) keys.add(k);
  return distinguishingKeys(flat, [...keys]);
}

/** `variant.dtype: int8`-style flattening, prompts left out (they are the workload, not the cell). */
export function flatConfig(config: CellConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else if (prefix !== 'prompts') {
      out[prefix] = Array.isArray(value) ? value.join(',') : String(value);
    }
  };
  walk('', config);
  return out;
}

/** `fp32 cache · gpt2-tiny · 40 tok`: the variant first, then whatever else varies. */
export function cellLabel(config: CellConfig, varying: readonly string[]): string {
  const flat = flatConfig(config);
  const parts = [`${config.variant.dtype} ${config.variant.cache ? 'cache' : 'no-cache'}`];
  for (const k of varying) {
    if (k === 'variant.dtype' || k === 'variant.cache') continue;
    const v = flat[k] ?? ABSENT_CONFIG_VALUES[k] ?? '';
    if (k === 'model') parts.push(v.replace(/^forge:/, ''));
    else if (k === 'maxNewTokens') parts.push(`${v} tok`);
    else if (k === 'threads') parts.push(`${v} thr`);
    else parts.push(`${k.split('.').at(-1)}=${v}`);
  }
  return parts.join(' · ');
}

/** A span of time as a person reads it: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`; `–` when unknown. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${num(ms / 1000)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
