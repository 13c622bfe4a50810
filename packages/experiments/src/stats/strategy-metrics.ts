import type { StrategyStats } from '../payloads.ts';

/** docs/metrics.md "Speculative", pooled over a cell's requests (ratios of sums, not means of ratios). */
export type StrategyMetrics = {
  requests: number;
  targetForwards: number;
  draftTokens: number;
  acceptedTokens: number;
  /** accepted / proposed draft tokens; null when nothing was proposed (prompt lookup without a match). */
  acceptanceRate: number | null;
  /** Draft tokens accepted per target forward pass (each forward also yields one target token). */
  meanAcceptedPerTargetForward: number | null;
  /** Target forward passes per generated token: 1 for plain decoding, lower is better. */
  targetForwardsPerToken: number | null;
  /** Early exit only (else absent), pooled over tokens. */
  exits?: ExitMetrics;
};

export type ExitMetrics = {
  /** Share of tokens emitted after each exit layer, keyed by block count (the last key is the full depth). */
  exitRate: Record<string, number>;
  /** Blocks run per token, averaged over every token of the cell. */
  meanLayers: number;
  /** Share of output positions equal to the full model's greedy output; null when not measured. */
  agreement: number | null;
};

function exitMetrics(requests: readonly { strategyStats?: StrategyStats | undefined; outputTokens: number }[]): ExitMetrics | undefined {
  const counts = new Map<number, number>();
  let agreeing = 0;
  let measured = 0;
  for (const r of requests) {
    const e = r.strategyStats?.exits;
    if (e === undefined) continue;
    for (const [i, l] of e.layers.entries()) counts.set(l, (counts.get(l) ?? 0) + (e.counts[i] ?? 0));
    if (e.agreement !== undefined) {
      agreeing += e.agreement * r.outputTokens;
      measured += r.outputTokens;
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (counts.size === 0 || total === 0) return undefined;
  const layers = [...counts.keys()].sort((a, b) => a - b);
  return {
    exitRate: Object.fromEntries(layers.map((l) => [String(l), (counts.get(l) as number) / total])),
    meanLayers: layers.reduce((a, l) => a + l * (counts.get(l) as number), 0) / total,
    agreement: measured > 0 ? agreeing / measured : null,
  };
}

/** null when no request carries strategy stats (greedy, sample, beam). */
export function strategyMetrics(
  requests: readonly { strategyStats?: StrategyStats | undefined; events: readonly { n: number }[] }[],
): StrategyMetrics | null {
  const withStats = requests.filter((r) => r.strategyStats !== undefined);
  if (withStats.length === 0) return null;
  let targetForwards = 0;
  let draftTokens = 0;
  let acceptedTokens = 0;
  let tokens = 0;
  for (const r of withStats) {
    const s = r.strategyStats as StrategyStats;
    targetForwards += s.targetForwards;
    draftTokens += s.draftTokens;
    acceptedTokens += s.acceptedTokens;
    for (const e of r.events) tokens += e.n;
  }
  const exits = exitMetrics(
    withStats.map((r) => ({ strategyStats: r.strategyStats, outputTokens: r.events.reduce((a, e) => a + e.n, 0) })),
  );
  return {
    ...(exits === undefined ? {} : { exits }),
    requests: withStats.length,
    targetForwards,
    draftTokens,
    acceptedTokens,
    acceptanceRate: draftTokens > 0 ? acceptedTokens / draftTokens : null,
    meanAcceptedPerTargetForward: targetForwards > 0 ? acceptedTokens / targetForwards : null,
    targetForwardsPerToken: tokens > 0 ? targetForwards / tokens : null,
  };
}
