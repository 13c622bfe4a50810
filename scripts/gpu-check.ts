// The prepared check of the CUDA worker on a GPU machine: provider present, a cuda cell and a cpu
// cell of the same model through the whole platform, GPU memory and utilisation in the results.
// Needs onnxruntime-node's CUDA provider: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` (it downloads the
// provider libraries), or libonnxruntime_providers_{cuda,shared}.so of onnxruntime 1.30.0 copied into
// node_modules/onnxruntime-node/bin/napi-v6/linux/x64/. Run: npx tsx scripts/gpu-check.ts [--model forge:gpt2-small]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cudaProviderStatus, forgeModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { postJson, waitForExperiment } from '../test/helpers/api-client.ts';
import { gpuCheckFailures } from './lib/gpu-check-failures.ts';
import { startPlatform } from './lib/platform.ts';

const i = process.argv.indexOf('--model');
const model = i >= 0 ? (process.argv[i + 1] ?? 'forge:gpt2-small') : 'forge:gpt2-small';
const status = cudaProviderStatus();
console.log(`[gpu-check] CUDA provider: ${status.available ? `available (${status.detail})` : `missing: ${status.reason}`}`);
if (!status.available) process.exit(2);

const modelsDir = modelsDirFromEnv(process.env);
if (model.startsWith('forge:')) await forgeModel(model.slice(6), { cacheDir: modelsDir });
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
    prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
    maxNewTokens: [64],
    devices: ['cpu', 'cuda'],
    threads: [2],
    repetitions: 5,
    warmup: 1,
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  await waitForExperiment(platform.apiUrl, created.body.id, 540_000);
  const results = await (await fetch(`${platform.apiUrl}/v1/experiments/${created.body.id}/results`)).json();
  for (const c of results.cells) {
    console.log(
      `[gpu-check] ${c.config.device}: ${c.status}${c.error ? ` (${c.error})` : ''} tokens/s ${c.seed?.tokens_per_s?.toFixed(1)} ` +
        `e2el p50 ${c.e2el?.p50?.toFixed(1)} ms, ep ${c.environment?.executionProvider}, gpu ${JSON.stringify(c.gpu)}`,
    );
  }
  const failures = gpuCheckFailures(results.cells);
  for (const f of failures) console.error(`[gpu-check] FAIL: ${f}`);
  console.log(failures.length === 0 ? '[gpu-check] PASS: the cuda cell ran on the CUDA provider and recorded GPU memory' : '');
  if (failures.length > 0) process.exitCode = 1;
} finally {
  await platform.stop();
}
