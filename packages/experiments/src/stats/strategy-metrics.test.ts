import { describe, expect, it } from 'vitest';
import { strategyMetrics } from './strategy-metrics.ts';

describe('strategyMetrics', () => {
  it('pools sums over requests: acceptance, accepted per target forward, forwards per token', () => {
    const m = strategyMetrics([
      { strategyStats: { targetForwards: 2, draftTokens: 8, acceptedTokens: 6 }, events: [{ n: 5 }, { n: 3 }] },
      { strategyStats: { targetForwards: 4, draftTokens: 8, acceptedTokens: 0 }, events: [{ n: 1 }, { n: 1 }, { n: 1 }, { n: 1 }] },
    ]);
    expect(m).toEqual({
      requests: 2,
      targetForwards: 6,
      draftTokens: 16,
      acceptedTokens: 6,
      acceptanceRate: 6 / 16,
      meanAcceptedPerTargetForward: 1,
      targetForwardsPerToken: 6 / 12,
    });
  });

  it('is null for strategies without stats, and a rate is null when nothing was drafted', () => {
    expect(strategyMetrics([{ events: [{ n: 1 }] }])).toBeNull();
    expect(
      strategyMetrics([{ strategyStats: { targetForwards: 3, draftTokens: 0, acceptedTokens: 0 }, events: [{ n: 3 }] }])?.acceptanceRate,
    ).toBeNull();
  });
});
