import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { PROMPTS, TEST_MODELS_DIR } from '../testing/test-models.ts';
import { KvInPlaceUnsupportedError, kvInPlaceFile } from './kv-in-place-files.ts';

// The in-place twin of a weight variant: built once beside the variant, loaded as an in-place
// session, and greedy-equal to the variant's own (concat) graph.
describe('in-place-KV files', () => {
  const pool = new ModelPool(4);
  const roots = { modelsDir: TEST_MODELS_DIR, modelRoots: [TEST_MODELS_DIR] };
  afterAll(() => pool.clear());

  it.each(['fp32', 'int8', 'q4'] as const)('%s weights: onnx/…_kvinplace.onnx, same greedy tokens as the concat graph', async (dtype) => {
    const inPlace = await resolveCellModel('forge:gpt2-tiny', { dtype, kvLayout: 'in-place' }, roots);
    expect(inPlace.file.endsWith(kvInPlaceFile(dtype))).toBe(true);
    expect(existsSync(inPlace.file)).toBe(true);
    const concat = await resolveCellModel('forge:gpt2-tiny', { dtype }, roots);
    const options = { threads: 1, executionProvider: 'cpu' as const };
    const [a, b] = [await pool.get(concat, options), await pool.get(inPlace, options)];
    expect(b.session.kvLayout).toBe('in-place');
    const tokens = async (m: typeof a) =>
      (
        await generate(m.tokenizer, PROMPTS[0] as string, {
          maxNewTokens: 24,
          strategy: greedyStrategy(m.session, { useCache: true }),
          eosTokenIds: [],
        })
      ).outputTokenIds;
    expect(await tokens(b)).toEqual(await tokens(a));
  });

  it('keeps the logits of every row where the head quantizes its input per call (int8), and of the last rows elsewhere', async () => {
    const options = { threads: 1, executionProvider: 'cpu' as const };
    const load = async (dtype: 'fp32' | 'int8' | 'q4') =>
      (await pool.get(await resolveCellModel('forge:gpt2-tiny', { dtype, kvLayout: 'in-place' }, roots), options)).session;
    expect([(await load('fp32')).keepsLogits, (await load('int8')).keepsLogits, (await load('q4')).keepsLogits]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('builds the int8 cache in place for gpt2 (…_kvint8_kvinplace.onnx), and refuses it for llama and non-forge models', async () => {
    const int8 = await resolveCellModel('forge:gpt2-tiny', { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, roots);
    expect([int8.file.endsWith(kvInPlaceFile('fp32', 'int8')), int8.kvCacheDtype]).toEqual([true, 'int8']);
    const session = (await pool.get(int8, { threads: 1, executionProvider: 'cpu' })).session;
    expect([session.kvLayout, session.kvCacheDtype]).toEqual(['in-place', 'int8']);
    await expect(
      resolveCellModel('forge:llama-tiny', { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, roots),
    ).rejects.toThrow(KvInPlaceUnsupportedError);
    await expect(resolveCellModel('dir:/nowhere', { dtype: 'fp32', kvLayout: 'in-place' }, roots)).rejects.toThrow();
  });
});
