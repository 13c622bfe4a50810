import type { StrategyStats } from '../payloads.ts';

/** METRICS.md "Speculative", pooled over a cell's requests (ratios of sums, not means of ratios). */
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
};

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
  return {
    requests: withStats.length,
    targetForwards,
    draftTokens,
    acceptedTokens,
    acceptanceRate: draftTokens > 0 ? acceptedTokens / draftTokens : null,
    meanAcceptedPerTargetForward: targetForwards > 0 ? acceptedTokens / targetForwards : null,
    targetForwardsPerToken: tokens > 0 ? targetForwards / tokens : null,
  };
}
