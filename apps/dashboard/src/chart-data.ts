import type { CellSummary, CellTokens } from '@inferlab/experiments';

/** The cells the charts draw: done, with measured requests. */
export const chartedCells = (all: readonly CellSummary[]): CellSummary[] => all.filter((c) => c.status === 'done' && c.requests > 0);

export type Aligned = { x: number[]; ys: (number | null)[][] };

/** TTFT or E2EL of every request, ms from t0 (docs/metrics.md: first / last token event). */
export function requestLatencies(tokens: CellTokens, metric: 'ttft' | 'e2el'): number[] {
  return tokens.requests.flatMap((r) => {
    const e = metric === 'ttft' ? r.events[0] : r.events.at(-1);
    return e === undefined ? [] : [e.t];
  });
}

/**
 * Empirical CDFs of several samples on one shared x axis (uPlot wants one x for all series):
 * x = every observed value, y_i(x) = share of sample i at or below x.
 */
export function empiricalCdfs(samples: readonly number[][]): Aligned {
  const sorted = samples.map((s) => [...s].sort((a, b) => a - b));
  const x = [...new Set(sorted.flat())].sort((a, b) => a - b);
  const ys = sorted.map((s) => {
    let i = 0;
    return x.map((v) => {
      while (i < s.length && (s[i] as number) <= v) i++;
      return s.length === 0 ? null : i / s.length;
    });
  });
  return { x, ys };
}

/**
 * Median inter-token (inter-chunk) latency by output position: the gap before the event that
 * starts at token `pos` (1-based, so the first gap is at the second token), over all requests.
 * A rising line means decode slows as the sequence (and the KV cache) grows.
 */
export function itlByPosition(tokens: CellTokens): Map<number, number> {
  const gaps = new Map<number, number[]>();
  for (const r of tokens.requests) {
    let pos = 0;
    r.events.forEach((e, i) => {
      const prev = r.events[i - 1];
      if (prev !== undefined) {
        const list = gaps.get(pos + 1) ?? [];
        list.push(e.t - prev.t);
        gaps.set(pos + 1, list);
      }
      pos += e.n;
    });
  }
  const medians = new Map<number, number>();
  for (const [pos, list] of gaps) medians.set(pos, median(list));
  return medians;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
}

/** Aligns per-series maps (x → y) on the union of their x values, null where a series has none. */
export function alignSeries(series: readonly Map<number, number>[]): Aligned {
  const x = [...new Set(series.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return { x, ys: series.map((m) => x.map((v) => m.get(v) ?? null)) };
}

/**
 * Speed against one quality metric: a point per cell that has both (x = tokens/s of the seed row,
 * y = the metric), sorted by speed. `i` is the cell's index in `cells`, for its label and colour.
 */
export function speedQualityPoints(
  cells: readonly CellSummary[],
  quality: (c: CellSummary) => number | null,
): { i: number; x: number; y: number }[] {
  return cells
    .map((c, i) => ({ i, x: c.seed?.tokens_per_s ?? null, y: quality(c) }))
    .filter((p): p is { i: number; x: number; y: number } => p.x !== null && p.y !== null)
    .sort((a, b) => a.x - b.x);
}
