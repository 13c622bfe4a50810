import { existsSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CACHE_DIR } from '../forge/test-helpers.ts';
import { qualityCachePath } from '../metrics/quality-cache.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { measureModelQuality } from './model-quality.ts';
import { KV_INT8_CHUNK, teacherForcedLogits } from './teacher-forced-logits.ts';

// Quality of the int8 KV cache on forge gpt2-tiny, against the fp32 file: its own cache entry
// (the weights' fp32 entry stays the fp32 cache's), and teacher forcing through the int8 cache.
describe('quality of the int8 KV cache', () => {
  const pool = new ModelPool(4);
  afterAll(() => pool.clear());
  const opts = { modelsDir: TEST_CACHE_DIR, modelRoots: [TEST_CACHE_DIR] };
  const session = { threads: 1, executionProvider: 'cpu' as const };

  it('is measured against the fp32 file and cached under <dtype>-kvint8', async () => {
    const fp32 = await resolveModel('forge:gpt2-tiny', 'fp32', opts);
    const kv = await resolveCellModel('forge:gpt2-tiny', { dtype: 'fp32', kvCacheDtype: 'int8' }, opts);
    const path = qualityCachePath(kv.folder, 'fp32-kvint8');
    rmSync(path, { force: true });
    const q = await measureModelQuality(kv, fp32, pool, session);
    console.log(`gpt2-tiny fp32 weights, int8 KV: ${JSON.stringify(q)}`);
    expect(q.meanKl).toBeGreaterThan(0); // the cache really is quantized
    expect(q.top1Agreement).toBeGreaterThan(0.9);
    expect(existsSync(path)).toBe(true);
    expect(await measureModelQuality(kv, fp32, pool, session)).toEqual(q);
    // The plain fp32 entry is still fp32 against itself.
    expect(await measureModelQuality(fp32, fp32, pool, session)).toMatchObject({ top1Agreement: 1, meanKl: 0 });
  }, 120_000);

  it('teacher-forces an int8-KV graph through its cache in chunks, matching one forward within float noise', async () => {
    const kv = await pool.get(await resolveCellModel('forge:gpt2-tiny', { dtype: 'fp32', kvCacheDtype: 'int8' }, opts), session);
    const ids = kv.tokenizer.encode('It is a truth universally acknowledged, that a single man in possession of a good fortune'.repeat(4));
    expect(ids.length).toBeGreaterThan(2 * KV_INT8_CHUNK); // several chunks
    const chunked = await teacherForcedLogits(kv.session, ids);
    const once = await kv.session.forward({
      batch: 1,
      seq: ids.length,
      inputIds: BigInt64Array.from(ids, (i) => BigInt(i)),
      attentionMask: new BigInt64Array(ids.length).fill(1n),
      positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
      past: kv.session.emptyCache(1),
    });
    let worst = 0;
    for (let i = 0; i < chunked.length; i++) worst = Math.max(worst, Math.abs((chunked[i] as number) - (once.logits[i] as number)));
    expect(chunked.length).toBe(once.logits.length);
    expect(worst).toBeLessThan(1e-4);
  }, 120_000);
});
