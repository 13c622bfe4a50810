import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// uint8 and q4 as matrix dtypes, through api → queue → worker → recorder → results, with the
// quality metrics (against the fp32 file) beside the speed metrics in every done cell.
describe('quantized variants through the platform', () => {
  const f = usePlatform('e2e-quant');

  it('runs fp32, uint8 and q4 cells and returns quality beside speed', async () => {
    const matrix = {
      name: 'e2e quantized',
      models: ['forge:gpt2-tiny'],
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'uint8', cache: true },
        { dtype: 'q4', cache: true },
      ],
      prompts: ['Hello world'],
      maxNewTokens: [8],
      threads: [1],
      repetitions: 2,
      warmup: 1,
    };
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, matrix);
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => c.status)).toEqual(['done', 'done', 'done']);

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const byDtype = Object.fromEntries(results.cells.map((c: any) => [c.config.variant.dtype, c]));
    for (const dtype of ['fp32', 'uint8', 'q4']) {
      const row = byDtype[dtype];
      expect(row.seed.mode).toBe(`${dtype} cache`);
      expect(row.seed.tokens_per_s).toBeGreaterThan(0);
      expect(row.quality).toMatchObject({ reference: 'fp32', greedyTokens: 32 });
      expect(row.quality.perplexity).toBeGreaterThan(1);
    }
    expect(byDtype.fp32.quality).toMatchObject({ top1Agreement: 1, meanKl: 0 });
    expect(byDtype.q4.quality.meanKl).toBeGreaterThan(0);
    expect(byDtype.q4.seed.model_size_MB).toBeLessThan(byDtype.uint8.seed.model_size_MB);
    expect(byDtype.uint8.seed.model_size_MB).toBeLessThan(byDtype.fp32.seed.model_size_MB);
  });
});
