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

describe('strategyMetrics of early exit', () => {
  it('pools exit counts, mean layers and token-weighted agreement over requests', () => {
    const m = strategyMetrics([
      {
        strategyStats: {
          targetForwards: 1,
          draftTokens: 0,
          acceptedTokens: 0,
          exits: { layers: [2, 4], counts: [3, 1], meanLayers: 2.5, agreement: 0.5 },
        },
        events: [{ n: 1 }, { n: 1 }, { n: 1 }, { n: 1 }],
      },
      {
        strategyStats: {
          targetForwards: 2,
          draftTokens: 0,
          acceptedTokens: 0,
          exits: { layers: [2, 4], counts: [0, 2], meanLayers: 4, agreement: 1 },
        },
        events: [{ n: 1 }, { n: 1 }],
      },
    ]);
    // 6 tokens: 3 after block 2, 3 at full depth; agreement (0.5·4 + 1·2) / 6.
    expect(m?.exits).toEqual({ exitRate: { '2': 0.5, '4': 0.5 }, meanLayers: 3, agreement: 4 / 6 });
    expect(m?.targetForwardsPerToken).toBe(3 / 6);
  });

  it('has no exits entry for speculative stats', () => {
    expect(
      strategyMetrics([{ strategyStats: { targetForwards: 1, draftTokens: 2, acceptedTokens: 1 }, events: [{ n: 2 }] }]),
    ).not.toHaveProperty('exits');
  });
});
