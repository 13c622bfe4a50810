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

  it('refuses an int8 KV cache or a non-forge model', async () => {
    await expect(resolveCellModel('forge:gpt2-tiny', { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, roots)).rejects.toThrow(
      KvInPlaceUnsupportedError,
    );
  });
});
