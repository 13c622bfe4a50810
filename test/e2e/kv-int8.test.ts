import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// The int8 KV cache through api → queue → worker → recorder → results: the worker builds the
// int8-KV graphs of forge:gpt2-tiny on first use (fp32 and int8 weights), decodes with int8 keys
// and values, and records the cache's dtype, its bytes (int8 codes + float32 scales) and the
// quality it costs against the fp32 file.

const VARIANTS = [
  { dtype: 'fp32', cache: true },
  { dtype: 'fp32', cache: true, kvCacheDtype: 'int8' },
  { dtype: 'int8', cache: true, kvCacheDtype: 'int8' },
];
const HEAD_DIM = 16; // gpt2-tiny: 64 wide, 4 heads

describe('int8 KV cache through the platform', () => {
  const f = usePlatform('e2e-kvint8');

  it('refuses combinations that cannot run with a 400 naming variants[].kvCacheDtype', async () => {
    const bad = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      prompts: ['Hello'],
      variants: [{ dtype: 'q4', cache: false, kvCacheDtype: 'int8' }],
      engines: ['transformers.js'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_matrix');
    const issues = bad.body.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual([
      'variants.0.kvCacheDtype',
      'variants.0.kvCacheDtype',
      'variants.0.cache',
      'variants.0.kvCacheDtype',
    ]);
    expect(issues.map((i) => i.message).join(' ')).toMatch(/cache: true.*not q4.*always decodes with its KV cache.*inferlab engine only/);
  });

  it('runs int8-KV cells and returns their KV dtype, bytes and quality beside the fp32 cache', async () => {
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      name: 'e2e kv int8',
      models: ['forge:gpt2-tiny'],
      variants: VARIANTS,
      prompts: ['Hello world'],
      maxNewTokens: [8],
      threads: [1],
      repetitions: 2,
      warmup: 1,
    });
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => [c.status, c.error])).toEqual(VARIANTS.map(() => ['done', null]));

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const [fp32, kv, int8kv] = VARIANTS.map((v) =>
      results.cells.find(
        (c: any) => c.config.variant.dtype === v.dtype && (c.config.variant.kvCacheDtype ?? 'fp32') === (v.kvCacheDtype ?? 'fp32'),
      ),
    );
    expect([fp32.kvCacheDtype, kv.kvCacheDtype, int8kv.kvCacheDtype]).toEqual(['fp32', 'int8', 'int8']);
    // forge gpt2 cells with the cache keep it in place (kvLayout "auto"), the int8 cache too.
    expect([fp32.seed.mode, kv.seed.mode, int8kv.seed.mode]).toEqual([
      'fp32 cache in-place',
      'fp32 cache kv-int8 in-place',
      'int8 cache kv-int8 in-place',
    ]);
    expect(kv.model.file).toMatch(/onnx\/model_kvint8_kvinplace\.onnx$/);
    expect(int8kv.model.file).toMatch(/onnx\/model_int8_kvint8_kvinplace\.onnx$/);
    // Same tokens generated, so the same cache length: bytes per value 4 vs 1 + a 4-byte scale per head_dim values.
    expect(kv.kvCacheBytes / fp32.kvCacheBytes).toBeCloseTo((HEAD_DIM + 4) / (4 * HEAD_DIM), 12);
    expect(int8kv.kvCacheBytes).toBe(kv.kvCacheBytes);

    expect(fp32.quality).toMatchObject({ top1Agreement: 1, meanKl: 0 });
    for (const row of [kv, int8kv]) {
      expect(row.quality).toMatchObject({ reference: 'fp32', greedyTokens: 32 });
      expect(row.quality.meanKl).toBeGreaterThan(0); // the cache really is quantized
      expect(row.quality.top1Agreement).toBeGreaterThan(0.9);
    }
    // int8 weights on top of the int8 cache cost more than the int8 cache alone.
    expect(int8kv.quality.meanKl).toBeGreaterThan(kv.quality.meanKl);
  });
});
