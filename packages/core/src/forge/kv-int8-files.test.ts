import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType, encodeModel, float32Data, readModelFile } from '../onnx/index.ts';
import { MODEL_FILE, MODEL_INT8_FILE } from './build-gpt2-folder.ts';
import { forgeModel } from './forge-model.ts';
import { FORGE_MODELS } from './forge-models.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import type { Gpt2Weights } from './gpt2-weights.ts';
import { ensureKvInt8File, KV_INT8_FILES, KvInt8UnsupportedError } from './kv-int8-files.ts';
import { TEST_CACHE_DIR } from './test-helpers.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('int8-KV graph files of a forge folder', () => {
  it('builds model_kvint8.onnx on first use, then reuses it', async () => {
    const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
    const file = await ensureKvInt8File(dir, 'fp32');
    expect(file).toBe(join(dir, KV_INT8_FILES.fp32));
    const manifest = JSON.parse(readFileSync(join(dir, 'variants', 'fp32-kvint8.json'), 'utf8'));
    expect(manifest.sha256).toBe(sha256(readFileSync(file)));
    const before = statSync(file);
    await ensureKvInt8File(dir, 'fp32');
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs); // not rebuilt
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toContain('past_key_values.0.key_scale');
    await session.release();
  });

  it('reads the weights back from model.onnx unchanged: rebuilt without the option it is byte-identical', async () => {
    const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
    const params: Gpt2Weights = new Map();
    for (const t of readModelFile(join(dir, MODEL_FILE)).graph.initializers) {
      if (t.dataType === DataType.FLOAT) params.set(t.name, { dims: t.dims, data: float32Data(t) });
    }
    const rebuilt = encodeModel(buildGpt2Model(FORGE_MODELS['gpt2-tiny'], params));
    expect(sha256(rebuilt)).toBe(sha256(readFileSync(join(dir, MODEL_FILE))));
  });

  it('builds the int8-weight graph through the dynamic int8 rewriter', async () => {
    const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
    const file = await ensureKvInt8File(dir, 'int8');
    expect(file).toBe(join(dir, KV_INT8_FILES.int8));
    const ops = new Set(readModelFile(file).graph.nodes.map((n) => n.opType));
    expect(ops.has('MatMulInteger') || ops.has('DynamicQuantizeMatMul')).toBe(true);
    // Same weights as model_int8.onnx: within a few KB of it (the extra quantize/dequantize nodes).
    expect(Math.abs(statSync(file).size - statSync(join(dir, MODEL_INT8_FILE)).size)).toBeLessThan(64 * 1024);
  });

  it('refuses other weight dtypes and folders that are not forge-built', async () => {
    const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
    await expect(ensureKvInt8File(dir, 'q4')).rejects.toThrow(KvInt8UnsupportedError);
    const empty = mkdtempSync(join(tmpdir(), 'kvint8-'));
    try {
      await expect(ensureKvInt8File(empty, 'fp32')).rejects.toThrow(/needs a forge-built graph/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
