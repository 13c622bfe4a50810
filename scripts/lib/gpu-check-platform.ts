import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postJson, waitForExperiment } from '../../test/helpers/api-client.ts';
import { gpuCheckFailures } from './gpu-check-failures.ts';
import { startPlatform } from './platform.ts';

/**
 * The worker's path on a GPU machine: a cuda worker starts (it refuses without an onnxruntime GPU
 * provider), runs a cpu and a cuda cell of `model` through api → Redis → worker → results, and the
 * cuda cell records `gpuBackend` and the GPU memory the worker sampled. Returns the failures.
 */
export async function checkPlatform(model: string, modelsDir: string, gpuBackend: 'cuda' | 'webgpu', prompt: string): Promise<string[]> {
  const platform = await startPlatform({
    dataDir: mkdtempSync(join(tmpdir(), 'inferlab-gpu-')),
    workers: 1,
    env: { INFERLAB_MODELS_DIR: modelsDir },
    log: (src, line) => console.log(`  [${src}] ${line}`),
  });
  try {
    await platform.startWorker({ WORKER_DEVICE: 'cuda' });
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      name: 'gpu check',
      models: [model],
      variants: [{ dtype: 'fp32', cache: true }],
      prompts: [prompt],
      maxNewTokens: [32],
      devices: ['cpu', 'cuda'],
      threads: [2],
      repetitions: 2,
      warmup: 1,
    });
    if (created.status !== 201) return [`platform: the experiment was refused: ${JSON.stringify(created.body)}`];
    await waitForExperiment(platform.apiUrl, created.body.id, 180_000);
    const results = await (await fetch(`${platform.apiUrl}/v1/experiments/${created.body.id}/results`)).json();
    for (const c of results.cells) {
      console.log(
        `[gpu-check] platform ${c.config.device} cell: ${c.status}${c.error ? ` (${c.error})` : ''}, backend ${c.environment?.backend}, ` +
          `tokens/s ${c.seed?.tokens_per_s?.toFixed(1)}, gpu ${JSON.stringify(c.gpu)}`,
      );
    }
    return gpuCheckFailures(results.cells, gpuBackend).map((f) => `platform: ${f}`);
  } finally {
    await platform.stop();
  }
}
