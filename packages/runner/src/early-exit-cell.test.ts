import { ModelPool } from '@inferlab/core';
import { TEST_MODELS_DIR } from '@inferlab/core/testing';
import { cellIssues, type Decoding } from '@inferlab/experiments';
import { afterAll, describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from './run-cell.ts';

// early-exit and self-speculative cells through runCell, as a worker runs them: segments built
// beside the model, untrained heads, strategy stats (and early exit's agreement) on every request.

const BASE: CellSpec = {
  model: 'forge:gpt2-mini',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'],
  maxNewTokens: 10,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 1,
  warmup: 1,
};
const pool = new ModelPool(2);
const ctx = { modelsDir: TEST_MODELS_DIR, modelRoots: [], pool };
afterAll(() => pool.clear());

describe('early-exit and self-speculative cells', () => {
  it('early exit: exit counts per request, agreement with the full model measured after the window', async () => {
    const greedy = await runCell(BASE, ctx);
    const never = await runCell(
      { ...BASE, decoding: { strategy: 'early-exit', heads: 'untrained', exitLayers: [1, 3], criterion: 'entropy', threshold: -1 } },
      ctx,
    );
    expect(never.requests.map((r) => r.outputTokenIds)).toEqual(greedy.requests.map((r) => r.outputTokenIds));
    for (const r of never.requests)
      expect(r.strategyStats?.exits).toEqual({ layers: [1, 3, 4], counts: [0, 0, 10], meanLayers: 4, agreement: 1 });

    const always = await runCell(
      { ...BASE, decoding: { strategy: 'early-exit', heads: 'untrained', exitLayers: [1, 3], criterion: 'max-prob', threshold: 0 } },
      ctx,
    );
    for (const r of always.requests) {
      expect(r.strategyStats?.exits?.counts).toEqual([10, 0, 0]);
      expect(r.strategyStats?.exits?.agreement).toBeGreaterThanOrEqual(0);
      expect(r.strategyStats?.exits?.agreement).toBeLessThan(1); // block 1 of 4 with an identity head is not the full model
    }
  }, 120_000);

  it('self-speculative: the full model greedy tokens, with draft counters', async () => {
    const greedy = await runCell(BASE, ctx);
    const spec = await runCell(
      { ...BASE, decoding: { strategy: 'self-speculative', heads: 'untrained', exitLayer: 2, k: 3, adaptiveK: true } },
      ctx,
    );
    expect(spec.requests.map((r) => r.outputTokenIds)).toEqual(greedy.requests.map((r) => r.outputTokenIds));
    for (const r of spec.requests) expect(r.strategyStats?.draftTokens).toBeGreaterThan(0);
  }, 120_000);

  it('refuses an out-of-range exit layer and an unknown heads version, naming the field (a quantized variant: cellIssues)', async () => {
    const ee: Decoding = { strategy: 'early-exit', heads: 'untrained', exitLayers: [1], criterion: 'max-prob', threshold: 0.5 };
    expect(cellIssues({ ...BASE, variant: { dtype: 'int8', cache: true }, decoding: ee }).map((i) => i.message)).toEqual([
      expect.stringMatching(/fp32 variant/),
    ]);
    await expect(runCell({ ...BASE, decoding: { ...ee, exitLayers: [4] } }, ctx)).rejects.toThrow(/decoding\.exitLayers 4: .* in 1\.\.3/);
    await expect(runCell({ ...BASE, decoding: { ...ee, heads: '20990101T000000Z-deadbeef' } }, ctx)).rejects.toThrow(
      /decoding\.heads '20990101T000000Z-deadbeef': exit heads version .* not found/,
    );
  }, 120_000);
});
