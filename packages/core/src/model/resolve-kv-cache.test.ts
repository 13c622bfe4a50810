import { describe, expect, it } from 'vitest';
import { KvInt8UnsupportedError } from '../forge/kv-int8-files.ts';
import { TEST_CACHE_DIR } from '../forge/test-helpers.ts';
import { resolveCellModel } from './resolve-kv-cache.ts';

const opts = { modelsDir: TEST_CACHE_DIR, modelRoots: [TEST_CACHE_DIR] };

describe('resolveCellModel', () => {
  it('refuses the int8 KV cache for models that are not forge-built, before touching them', async () => {
    for (const id of ['hf:Xenova/gpt2', `dir:${TEST_CACHE_DIR}/forge/gpt2-tiny`]) {
      const p = resolveCellModel(id, { dtype: 'fp32', kvCacheDtype: 'int8' }, opts);
      await expect(p).rejects.toThrow(KvInt8UnsupportedError);
      await expect(p).rejects.toThrow(/needs a forge-built graph \(a forge:<name> model\); use kvCacheDtype "fp32"/);
    }
  });

  it('picks the int8-KV graph of the weights, and the plain file for the fp32 cache', async () => {
    const plain = await resolveCellModel('forge:gpt2-tiny', { dtype: 'int8' }, opts);
    expect(plain.file).toMatch(/onnx\/model_int8\.onnx$/);
    expect(plain.kvCacheDtype).toBeUndefined();
    const kv = await resolveCellModel('forge:gpt2-tiny', { dtype: 'int8', kvCacheDtype: 'int8' }, opts);
    expect(kv).toMatchObject({ folder: plain.folder, variant: 'int8', kvCacheDtype: 'int8' });
    expect(kv.file).toMatch(/onnx\/model_int8_kvint8\.onnx$/);
    await expect(resolveCellModel('forge:gpt2-tiny', { dtype: 'q4', kvCacheDtype: 'int8' }, opts)).rejects.toThrow(
      /fp32 or int8 weights, not q4/,
    );
  }, 120_000);
});
