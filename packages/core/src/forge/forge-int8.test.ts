import { statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { MODEL_FILE, MODEL_INT8_FILE } from './build-gpt2-folder.ts';
import { forgeModel, readForgeManifest } from './forge-model.ts';
import { FORGE_MODELS } from './forge-models.ts';
import { argmax, emptyPast, maxAbsDiff, step, TEST_CACHE_DIR } from './test-helpers.ts';

// The int8 variant forge writes beside model.onnx. Random weights make top-1 agreement a
// measurement, not a requirement (logit gaps are tiny), so it is printed, not asserted.

const sizes = (dir: string) => {
  const fp32 = statSync(join(dir, MODEL_FILE)).size;
  const int8 = statSync(join(dir, MODEL_INT8_FILE)).size;
  return { fp32, int8, ratio: int8 / fp32 };
};
const mb = (b: number) => (b / 1e6).toFixed(1);
// "The quick brown fox jumps over the lazy dog. It was"
const TEXT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373];

describe('forge int8 variant', () => {
  it('gpt2-tiny: smaller, and close to fp32 (agreement printed)', async () => {
    const spec = FORGE_MODELS['gpt2-tiny'];
    const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
    const s = sizes(dir);
    const report = readForgeManifest(dir)?.int8;
    console.log(
      `gpt2-tiny: fp32 ${mb(s.fp32)} MB, int8 ${mb(s.int8)} MB, ratio ${s.ratio.toFixed(3)}; ` +
        `${report?.matmulsQuantized} MatMuls quantized, ${report?.gathersRewritten} Gather rewritten`,
    );
    expect(report?.matmulsQuantized).toBe(4 * spec.nLayer + 1); // c_attn, c_proj, c_fc, c_proj per layer + LM head
    expect(s.ratio).toBeLessThan(0.3);

    const logits = async (file: string) => {
      const session = await ort.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1 });
      const n = TEXT.length;
      const r = await step(session, spec, [TEXT], [Array(n).fill(1)], [TEXT.map((_, i) => i)], emptyPast(spec));
      await session.release();
      return r.logits;
    };
    const [fp32, int8] = await Promise.all([logits(MODEL_FILE), logits(MODEL_INT8_FILE)]);
    const V = spec.vocabSize;
    const agree = TEXT.filter((_, i) => argmax(fp32, i * V, (i + 1) * V) === argmax(int8, i * V, (i + 1) * V)).length;
    console.log(
      `gpt2-tiny int8 vs fp32 (teacher-forced, ${TEXT.length} positions): top-1 agreement ${agree}/${TEXT.length}, ` +
        `max |Δlogit| ${maxAbsDiff(fp32, int8).toExponential(2)}`,
    );
    expect(int8.every(Number.isFinite)).toBe(true);
  }, 60_000);

  it('gpt2-small: model_int8.onnx is at most 0.27 × model.onnx', async () => {
    const dir = await forgeModel('gpt2-small', { cacheDir: TEST_CACHE_DIR });
    const s = sizes(dir);
    console.log(`gpt2-small: fp32 ${mb(s.fp32)} MB, int8 ${mb(s.int8)} MB, ratio ${s.ratio.toFixed(4)}`);
    expect(s.ratio).toBeLessThanOrEqual(0.27);
  }, 120_000);
});
