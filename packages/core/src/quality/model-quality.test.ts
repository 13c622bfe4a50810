import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CACHE_DIR } from '../forge/test-helpers.ts';
import { qualityCachePath } from '../metrics/quality-cache.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { measureModelQuality } from './model-quality.ts';

// Real sessions on forge gpt2-tiny (random weights: the numbers are printed, only their
// invariants asserted).
describe('measureModelQuality', () => {
  const pool = new ModelPool(4);
  afterAll(() => pool.clear());
  const opts = { modelsDir: TEST_CACHE_DIR, modelRoots: [TEST_CACHE_DIR] };
  const session = { threads: 1, executionProvider: 'cpu' as const };

  it('fp32 against itself: agreement 1, KL 0, the whole greedy prefix', async () => {
    const fp32 = await resolveModel('forge:gpt2-tiny', 'fp32', opts);
    const q = await measureModelQuality(fp32, fp32, pool, session);
    expect(q).toMatchObject({ top1Agreement: 1, meanKl: 0, perplexityDelta: 0, greedyPrefix: 32, greedyTokens: 32 });
    expect(q.positions).toBeGreaterThan(100);
    expect(q.perplexity).toBeGreaterThan(1);
  }, 60_000);

  it('each variant: bounded metrics, computed once and then read from the cache', async () => {
    const fp32 = await resolveModel('forge:gpt2-tiny', 'fp32', opts);
    for (const variant of ['int8', 'uint8', 'q4'] as const) {
      const m = await resolveModel('forge:gpt2-tiny', variant, opts);
      rmSync(qualityCachePath(m.folder, variant), { force: true });
      const q = await measureModelQuality(m, fp32, pool, session);
      console.log(`gpt2-tiny ${variant}: ${JSON.stringify(q)}`);
      expect(q.top1Agreement).toBeGreaterThanOrEqual(0);
      expect(q.top1Agreement).toBeLessThanOrEqual(1);
      expect(q.meanKl).toBeGreaterThan(0); // the variant's logits really differ
      expect(q.perplexity).toBeCloseTo(q.perplexityFp32 + q.perplexityDelta, 9);
      expect(existsSync(qualityCachePath(m.folder, variant))).toBe(true);
      expect(await measureModelQuality(m, fp32, pool, session)).toEqual(q);
    }
  }, 120_000);
});
