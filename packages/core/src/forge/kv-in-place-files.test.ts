import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { PROMPTS, TEST_MODELS_DIR } from '../testing/test-models.ts';
import { KV_IN_PLACE_BUILD_VERSION, KvInPlaceUnsupportedError, kvInPlaceFile } from './kv-in-place-files.ts';

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

  it('builds the twin of a folder our builders wrote without a forge manifest (an imported checkpoint, a trained model), rewrites others', async () => {
    const work = mkdtempSync(join(tmpdir(), 'inferlab-inplace-dir-'));
    try {
      const src = join(TEST_MODELS_DIR, 'forge', 'gpt2-tiny');
      const copy = (to: string, files: string[]) => {
        mkdirSync(join(to, 'onnx'), { recursive: true });
        for (const f of files) copyFileSync(join(src, f), join(to, f));
      };
      const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx'];
      const imported = join(work, 'imported');
      copy(imported, files);
      const opts = { modelsDir: TEST_MODELS_DIR, modelRoots: [work] };
      const inPlace = await resolveCellModel(`dir:${imported}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts);
      // Built into the platform's cache keyed by the graph's sha256, never into the folder itself.
      expect(inPlace.file).toMatch(new RegExp(`^${TEST_MODELS_DIR}/derived/[0-9a-f]{64}/${kvInPlaceFile('fp32')}$`));
      expect(existsSync(join(imported, kvInPlaceFile('fp32')))).toBe(false);
      // A variant's twin is built from onnx/model.onnx: its concat file is not built on the way.
      const q8 = await resolveCellModel(`dir:${imported}`, { dtype: 'q8', kvLayout: 'in-place' }, opts);
      expect([q8.variant, q8.file.endsWith(kvInPlaceFile('q8'))]).toEqual(['q8', true]);
      expect(existsSync(q8.file.replace(/_kvinplace\.onnx$/, '.onnx'))).toBe(false);
      const forgeTwin = await resolveCellModel('forge:gpt2-tiny', { dtype: 'fp32', kvLayout: 'in-place' }, roots);
      const options = { threads: 1, executionProvider: 'cpu' as const };
      const run = async (m: typeof inPlace) => {
        const { session, tokenizer } = await pool.get(m, options);
        const strategy = greedyStrategy(session, { useCache: true });
        return (await generate(tokenizer, PROMPTS[0] as string, { maxNewTokens: 16, strategy, eosTokenIds: [] })).outputTokenIds;
      };
      expect(await run(inPlace)).toEqual(await run(forgeTwin));

      // A config without a layer count: refused, naming the fix. A graph whose weights are not named as
      // ours (llama-tiny's under a gpt2 config) is rewritten instead of rebuilt (runtime/kv-in-place-rewrite.ts).
      const bert = join(work, 'bert');
      copy(bert, files);
      writeFileSync(join(bert, 'config.json'), JSON.stringify({ model_type: 'bert' }));
      await expect(resolveCellModel(`dir:${bert}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts)).rejects.toThrow(
        /no layer count \(n_layer or num_hidden_layers\)/,
      );
      const foreign = join(work, 'foreign');
      copy(foreign, files);
      copyFileSync(join(TEST_MODELS_DIR, 'forge', 'llama-tiny', 'onnx/model.onnx'), join(foreign, 'onnx/model.onnx'));
      const rewritten = await resolveCellModel(`dir:${foreign}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts);
      const entryPath = join(rewritten.file, '../../variants/fp32-kvinplace.json');
      const entry = JSON.parse(readFileSync(entryPath, 'utf8'));
      expect([entry.method, entry.buildVersion]).toEqual(['rewritten', KV_IN_PLACE_BUILD_VERSION.rewritten]);
      // Build versions go by method: a rewritten twin from before Gemm weights were quantized (3) builds
      // again; a rebuilt one at 3 (our builders write no Gemm) stays.
      writeFileSync(entryPath, JSON.stringify({ ...entry, buildVersion: 3 }));
      await resolveCellModel(`dir:${foreign}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts);
      expect(JSON.parse(readFileSync(entryPath, 'utf8')).buildVersion).toBe(KV_IN_PLACE_BUILD_VERSION.rewritten);
      const rebuiltEntry = join(inPlace.file, '../../variants/fp32-kvinplace.json');
      const rebuilt = JSON.parse(readFileSync(rebuiltEntry, 'utf8')); // no method when written before the rewrite existed
      expect([rebuilt.method ?? 'rebuilt', rebuilt.buildVersion]).toEqual(['rebuilt', 3]);
      const builtAt = statSync(inPlace.file).mtimeMs;
      await resolveCellModel(`dir:${imported}`, { dtype: 'fp32', kvLayout: 'in-place' }, opts);
      expect(statSync(inPlace.file).mtimeMs).toBe(builtAt);
      // …and the int8 cache, which only a rebuild has, is refused with the reason.
      await expect(resolveCellModel(`dir:${foreign}`, { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, opts)).rejects.toThrow(
        /int8 KV cache needs a forge-built graph/,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
