import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/index.ts';
import { cudaProviderStatus } from './cuda-provider.ts';
import { readDecoderConfig } from './decoder-config.ts';
import { DecoderSession } from './decoder-session.ts';
import { ExecutionProviderError } from './execution-provider.ts';

// Each machine runs the test of what it has: without the CUDA provider a cuda session must fail
// with the install hint; with it, a cuda session must run on the GPU and agree with the CPU. The
// other case is reported as skipped, never as a pass with nothing checked.
const CUDA = cudaProviderStatus().available;
const loadTiny = async (executionProvider: 'cpu' | 'cuda') => {
  const folder = await forgeModel('gpt2-tiny', { cacheDir: resolve(import.meta.dirname, '../../../../data/test-models') });
  // A cuda (GPU) session pinned to the CUDA provider: without the pin it would take WebGPU where CUDA is absent.
  const backend = executionProvider;
  return DecoderSession.load(join(folder, 'onnx/model.onnx'), await readDecoderConfig(folder), { threads: 1, executionProvider, backend });
};

/** GPU memory (MiB) nvidia-smi attributes to this process; 0 when it holds none. */
function gpuMemoryOfThisProcess(): number {
  const out = execFileSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((s) => Number(s.trim())))
    .filter(([pid]) => pid === process.pid)
    .reduce((sum, [, mib]) => sum + (mib ?? 0), 0);
}

describe('CUDA provider boundary', () => {
  it('says what is missing and how to install it', () => {
    const status = cudaProviderStatus(() => false);
    expect(status.available).toBe(false);
    if (!status.available) expect(status.reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|CUDA 12/);
  });

  it.runIf(!CUDA)('a cuda session on a machine without the provider fails with the install hint, not a crash', async () => {
    await expect(loadTiny('cuda')).rejects.toThrow(ExecutionProviderError);
    await expect(loadTiny('cuda')).rejects.toThrow(
      /cuda provider \(a cuda cell does not fall back to the CPU; .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });

  it.runIf(CUDA)('a cuda session runs on the GPU (this process holds GPU memory) and gives the CPU logits', async () => {
    const [cpu, cuda] = [await loadTiny('cpu'), await loadTiny('cuda')];
    try {
      expect([cpu.backend, cuda.backend]).toEqual(['cpu', 'cuda']);
      const ids = [464, 2068, 7586, 21831]; // "The quick brown fox"
      const input = (s: DecoderSession) => ({
        batch: 1,
        seq: ids.length,
        inputIds: BigInt64Array.from(ids, BigInt),
        attentionMask: BigInt64Array.from(ids, () => 1n),
        positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
        past: s.emptyCache(1),
      });
      const [a, b] = [await cpu.forward(input(cpu)), await cuda.forward(input(cuda))];
      expect(b.logits.length).toBe(a.logits.length);
      let worst = 0;
      for (let i = 0; i < a.logits.length; i++) worst = Math.max(worst, Math.abs((a.logits[i] as number) - (b.logits[i] as number)));
      expect(worst).toBeLessThan(1e-3); // TF32/cuBLAS reassociation, logits O(1)
      expect(gpuMemoryOfThisProcess()).toBeGreaterThan(0);
    } finally {
      await cpu.release();
      await cuda.release();
    }
  });
});
