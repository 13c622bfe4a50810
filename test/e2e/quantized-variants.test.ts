import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// Quantized dtypes through api → queue → worker → recorder → results, on both engines: the eager
// variants (uint8, q4) and two built on first use by the worker (int8 per-tensor, q8 block 32),
// with quality (against the fp32 file) and weight bytes by dtype beside the speed metrics.

// gpt2-tiny's quantized MatMul weights (K, N): per layer (64, 192), (64, 64), (64, 256), (256, 64),
// two layers, plus the tied LM head (64, 50257) — see metrics/weight-bytes.test.ts.
const WEIGHTS: [number, number][] = [
  [64, 192],
  [64, 64],
  [64, 256],
  [256, 64],
  [64, 192],
  [64, 64],
  [64, 256],
  [256, 64],
  [64, 50257],
];
const INT8_BYTES = WEIGHTS.reduce((s, [k, n]) => s + k * n, 0); // one byte a weight
const Q4_BYTES = WEIGHTS.reduce((s, [k, n]) => s + (n * k) / 2, 0); // block 32 divides every K: half a byte a weight
const DTYPES = ['fp32', 'uint8', 'q4', 'int8-per-tensor', 'q8'];

describe('quantized variants through the platform', () => {
  const f = usePlatform('e2e-quant');

  it('runs eager and on-demand variants on both engines and returns quality and weight bytes beside speed', async () => {
    const matrix = {
      name: 'e2e quantized',
      models: ['forge:gpt2-tiny'],
      variants: DTYPES.map((dtype) => ({ dtype, cache: true })),
      prompts: ['Hello world'],
      maxNewTokens: [8],
      threads: [1],
      repetitions: 2,
      warmup: 1,
      engines: ['inferlab', 'transformers.js'],
    };
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, matrix);
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => [c.status, c.error])).toEqual(
      DTYPES.flatMap(() => [
        ['done', null],
        ['done', null],
      ]),
    );

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const cell = (dtype: string, engine: string) =>
      results.cells.find((c: any) => c.config.variant.dtype === dtype && c.config.engine === engine);
    for (const dtype of DTYPES) {
      const ours = cell(dtype, 'inferlab');
      const peer = cell(dtype, 'transformers.js');
      // Our engine keeps the cache in place on a forge model (kvLayout "auto"); transformers.js its own way.
      expect([ours.seed.mode, peer.seed.mode]).toEqual([`${dtype} cache in-place`, `${dtype} cache`]);
      for (const row of [ours, peer]) {
        expect(row.seed.tokens_per_s).toBeGreaterThan(0);
        expect(row.quality).toMatchObject({ reference: 'fp32', greedyTokens: 32 });
        expect(row.quality.perplexity).toBeGreaterThan(1);
        expect(row.weightBytes.float32).toBeGreaterThan(0);
      }
      expect(peer.environment.engine).toMatch(/^transformers\.js /);
      // The same weights: transformers.js the variant file, our engine its in-place twin (the same weights,
      // graph rebuilt to read the cache in place).
      expect(ours.model.file).toBe(peer.model.file.replace(/\.onnx$/, '_kvinplace.onnx'));
      // Same weight tensors; the graphs' own small constants (shapes, scales) differ by a few hundred bytes.
      for (const [type, bytes] of Object.entries(peer.weightBytes as Record<string, number>)) {
        expect(Math.abs((ours.weightBytes[type] ?? 0) - bytes), type).toBeLessThan(4096);
      }
    }
    const wb = (dtype: string) => cell(dtype, 'inferlab').weightBytes;
    expect(wb('fp32').float32).toBeGreaterThanOrEqual(4 * INT8_BYTES);
    expect(wb('fp32').int8 ?? 0).toBe(0);
    expect(wb('int8-per-tensor').int8).toBe(INT8_BYTES);
    expect(wb('uint8').uint8).toBeGreaterThanOrEqual(INT8_BYTES); // + one zero point a column
    expect(wb('q4').uint4).toBe(Q4_BYTES);
    expect(wb('q8').uint8).toBeGreaterThanOrEqual(INT8_BYTES); // 8-bit codes; zero points are uint8 too
    expect(wb('q8').uint4 ?? 0).toBe(0);

    expect(cell('fp32', 'inferlab').quality).toMatchObject({ top1Agreement: 1, meanKl: 0 });
    for (const dtype of ['q4', 'int8-per-tensor', 'q8']) expect(cell(dtype, 'inferlab').quality.meanKl).toBeGreaterThan(0);
    // 4-bit costs more quality than 8-bit blocks of the same size.
    expect(cell('q4', 'inferlab').quality.meanKl).toBeGreaterThan(cell('q8', 'inferlab').quality.meanKl);
    const size = (dtype: string) => cell(dtype, 'inferlab').seed.model_size_MB;
    expect(size('q4')).toBeLessThan(size('q8'));
    expect(size('q8')).toBeLessThan(size('fp32'));
    expect(size('int8-per-tensor')).toBeLessThan(size('uint8'));
  });
});
