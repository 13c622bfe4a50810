// The prepared check of a GPU machine (issue 16). For every GPU path usable here — onnxruntime's
// CUDA and WebGPU providers, llama.cpp's CUDA and Vulkan binaries — run a small generation on it and
// assert, not print, that it ran there: the cell's environment names that backend, GPU memory is in
// use, the tokens came; onnxruntime's profile shows its matrix products on the GPU provider. Then a
// cuda worker runs a cuda cell through the platform. Paths not usable here are listed with the reason.
// Model files are built here by forge; nothing is downloaded.
// Exit 0: every usable path passed; 1: a check failed; 2: no GPU, or no GPU path usable here.
// Run: npx tsx scripts/gpu-check.ts [--model forge:gpt2-small] [--no-platform]
import {
  chooseOrtBackend,
  forgeModel,
  LlamaCppRunner,
  listGpuDevices,
  ModelPool,
  measurePlacement,
  ORT_PROVIDER_NAMES,
  ortGpuSupport,
  readDecoderConfig,
  resolveModel,
} from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { type CellSpec, runCell } from '@inferlab/runner';
import { checkPlatform } from './lib/gpu-check-platform.ts';
import { deviceGpuMiB, heldGpuMiB } from './lib/gpu-memory.ts';
import { pathName, probeGpuPaths } from './lib/gpu-paths.ts';

const i = process.argv.indexOf('--model');
const model = i >= 0 ? (process.argv[i + 1] ?? 'forge:gpt2-small') : 'forge:gpt2-small';
const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const N = 32;
const say = (line: string) => console.log(`[gpu-check] ${line}`);

const devices = listGpuDevices();
const paths = await probeGpuPaths();
say(devices.length === 0 ? 'no GPU on this machine (nvidia-smi -L lists none, no /dev/dri render node)' : `GPUs: ${devices.join('; ')}`);
for (const p of paths) say(`${p.available ? 'run ' : 'skip'} ${pathName(p)}: ${p.reason}`);
const usable = paths.filter((p) => p.available);
if (devices.length === 0 || usable.length === 0) {
  say(`FAIL: ${devices.length === 0 ? 'no GPU' : 'a GPU, but no GPU path usable (reasons above)'}; nothing was checked`);
  process.exit(2);
}

const modelsDir = modelsDirFromEnv(process.env);
if (model.startsWith('forge:')) await forgeModel(model.slice(6), { cacheDir: modelsDir });
const resolved = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const cell: CellSpec = {
  model,
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: [PROMPT],
  maxNewTokens: N,
  batchSize: 1,
  device: 'cuda',
  threads: 2,
  repetitions: 2,
  warmup: 1,
};
const ctx = (pool: ModelPool) => ({ modelsDir, modelRoots: [modelsDir], pool });

/** A cuda cell through runCell on the pinned provider; its memory read while the pool still holds the session; the provider's placement. */
async function checkOrt(backend: 'cuda' | 'webgpu'): Promise<void> {
  const name = `onnxruntime ${backend}`;
  const pool = new ModelPool(1);
  const before = deviceGpuMiB();
  try {
    const run = await runCell(cell, { ...ctx(pool), ortBackend: backend });
    const env = run.environment;
    check(
      env.backend === backend && env.executionProvider === backend,
      `${name}: environment backend ${env.backend}, ep ${env.executionProvider}`,
    );
    check(
      run.requests.every((r) => r.outputTokenIds.length === N),
      `${name}: ${run.requests.length} requests of ${N} tokens`,
    );
    const held = heldGpuMiB(before);
    check(held.mib > 0, `${name}: GPU memory in use ${held.mib} MiB (${held.how})`);
  } finally {
    await pool.clear();
  }
  const ids = [464, 2068, 7586, 21831]; // "The quick brown fox"
  const config = await readDecoderConfig(resolved.folder);
  const placement = await measurePlacement(resolved.file, config, { threads: 2, executionProvider: 'cuda', backend }, ids);
  const cpu = ORT_PROVIDER_NAMES.cpu;
  const onGpu = Object.entries(placement.kernels).reduce((n, [p, k]) => n + (p === cpu ? 0 : k), 0);
  check(onGpu > 0, `${name}: kernels per provider ${JSON.stringify(placement.kernels)}`);
  check((placement.matmuls[cpu] ?? 0) === 0, `${name}: matrix products per provider ${JSON.stringify(placement.matmuls)}`);
}

/** The F32 GGUF on the llama.cpp binary for `gpu`; the worker's cuda cell too when it is the backend a cell gets. */
async function checkLlama(gpu: 'cuda' | 'vulkan', chosen: boolean): Promise<void> {
  const name = `llama.cpp ${gpu}`;
  const r = await LlamaCppRunner.load(resolved.folder, { dtype: 'fp32', threads: 2, gpu });
  try {
    const g = await r.generate(PROMPT, { maxNewTokens: N, useCache: true, eosTokenIds: [] });
    const mem = await r.gpuMemory();
    check(r.backend.gpu === gpu, `${name}: backend ${String(r.backend.gpu)} (${r.backend.gpuDevices.join(', ')})`);
    check(r.gpuLayers >= r.config.layers, `${name}: ${r.gpuLayers} layers offloaded of ${r.config.layers}`);
    check(
      (mem?.usedBytes ?? 0) > 0,
      `${name}: GPU memory in use ${((mem?.usedBytes ?? 0) / 2 ** 20).toFixed(0)} MiB (llama.cpp VRAM state)`,
    );
    check(g.outputTokenIds.length === N, `${name}: ${g.outputTokenIds.length} tokens generated`);
  } finally {
    await r.release();
  }
  if (!chosen) return;
  const pool = new ModelPool(1);
  try {
    const run = await runCell({ ...cell, engine: 'llama.cpp' }, ctx(pool));
    check(
      run.environment.backend === gpu,
      `${name}: cuda cell's environment backend ${run.environment.backend} (${run.environment.engine})`,
    );
    check(
      /\.gguf$/.test(run.model.file) && run.environment.ggufType === 'F32',
      `${name}: model ${run.model.file} sha256 ${run.model.sha256.slice(0, 12)}…`,
    );
  } finally {
    await pool.clear();
  }
}

const llamaChosen = usable.some((p) => p.engine === 'llama.cpp' && p.backend === 'cuda') ? 'cuda' : 'vulkan';
for (const p of usable) {
  try {
    if (p.engine === 'onnxruntime') await checkOrt(p.backend);
    else await checkLlama(p.backend, p.backend === llamaChosen);
  } catch (err) {
    check(false, `${pathName(p)}: ${(err as Error).message}`);
  }
}
if (!process.argv.includes('--no-platform') && usable.some((p) => p.engine === 'onnxruntime')) {
  const backend = chooseOrtBackend('cuda', ortGpuSupport()) as 'cuda' | 'webgpu';
  const platform = await checkPlatform(model, modelsDir, backend, PROMPT);
  for (const f of platform) check(false, f);
  if (platform.length === 0) check(true, `platform: a cuda worker ran a cuda cell on ${backend} with GPU memory sampled`);
}
say(failures.length === 0 ? `PASS: ${usable.map(pathName).join(', ')}` : `${failures.length} failed`);
process.exitCode = failures.length === 0 ? 0 : 1;
