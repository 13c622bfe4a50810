// model_uint8.onnx and model_q4.onnx, the variants forge writes beside model.onnx and
// model_int8.onnx: file sizes against fp32, and greedy generation through our engine with each.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { VARIANT_FILES } from '../quantization/variant-files.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { forgeModel, readForgeManifest } from './forge-model.ts';
import { TEST_CACHE_DIR } from './test-helpers.ts';

const ratio = (dir: string, file: string) => statSync(join(dir, file)).size / statSync(join(dir, VARIANT_FILES.fp32)).size;

describe('forge uint8 and q4 variants', () => {
  const pool = new ModelPool(4);
  afterAll(() => pool.clear());

  it('gpt2-tiny: every variant loads in our engine and generates greedily with the KV cache', async () => {
    const opts = { modelsDir: TEST_CACHE_DIR, modelRoots: [TEST_CACHE_DIR] };
    const manifest = readForgeManifest(await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR }));
    expect(manifest?.uint8.matmulsQuantized).toBe(manifest?.int8.matmulsQuantized);
    expect(manifest?.q4).toMatchObject({ gathersRewritten: 1, blockSize: 32 });
    const outputs: Record<string, number[]> = {};
    for (const variant of ['fp32', 'int8', 'uint8', 'q4'] as const) {
      const m = await pool.get(await resolveModel('forge:gpt2-tiny', variant, opts), { threads: 1, executionProvider: 'cpu' });
      const strategy = greedyStrategy(m.session, { useCache: true });
      const g = await generate(m.tokenizer, 'The quick brown fox', { maxNewTokens: 12, strategy, eosTokenIds: [] });
      expect(g.outputTokenIds).toHaveLength(12);
      outputs[variant] = g.outputTokenIds;
    }
    console.log(`gpt2-tiny greedy tokens per variant: ${JSON.stringify(outputs)}`);
  }, 120_000);

  it('gpt2-small: uint8 ≤ 0.27 × fp32 and q4 ≤ 0.17 × fp32 (the tied embedding shares the 4-bit table)', async () => {
    const dir = await forgeModel('gpt2-small', { cacheDir: TEST_CACHE_DIR });
    const r = { uint8: ratio(dir, VARIANT_FILES.uint8), q4: ratio(dir, VARIANT_FILES.q4), int8: ratio(dir, VARIANT_FILES.int8) };
    console.log(`gpt2-small size ratios vs fp32: ${JSON.stringify(r)}`);
    expect(r.uint8).toBeLessThanOrEqual(0.27);
    expect(r.q4).toBeLessThanOrEqual(0.17);
  }, 300_000);
});
