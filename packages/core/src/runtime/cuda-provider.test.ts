import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/index.ts';
import { cudaProviderStatus } from './cuda-provider.ts';
import { readDecoderConfig } from './decoder-config.ts';
import { DecoderSession } from './decoder-session.ts';

describe('CUDA provider boundary', () => {
  it('says what is missing and how to install it', () => {
    const status = cudaProviderStatus(() => false);
    expect(status.available).toBe(false);
    if (!status.available) expect(status.reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|CUDA 12/);
  });

  it('a cuda session on a machine without the provider fails with the install hint, not a crash', async () => {
    if (cudaProviderStatus().available) return; // a GPU machine: the device check covers it
    const folder = await forgeModel('gpt2-tiny', { cacheDir: resolve(import.meta.dirname, '../../../../data/test-models') });
    const config = await readDecoderConfig(folder);
    await expect(DecoderSession.load(join(folder, 'onnx/model.onnx'), config, { threads: 1, executionProvider: 'cuda' })).rejects.toThrow(
      /ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });
});
