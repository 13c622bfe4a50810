// The prepared GPU check of the llama.cpp engine (issue 16): for every llama.cpp GPU backend
// node-llama-cpp finds usable here (CUDA, Vulkan), run the model's F32 GGUF on it and assert —
// not print — that it ran there: the backend is the one asked, every layer is offloaded, GPU memory
// in use > 0, 64 tokens generated; then a cuda cell through runCell names that backend in its
// environment. Greedy tokens vs the CPU run are reported (GPU kernels round differently).
// Exit 0: every available path passed; 1: a path failed; 2: no GPU path available here.
// Run: npx tsx scripts/gpu-check-llama.ts [--model forge:gpt2-small]
import { forgeModel, LlamaCppRunner, ModelPool, resolveModel } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { runCell } from '@inferlab/runner';
import { getLlamaGpuTypes } from 'node-llama-cpp';

const i = process.argv.indexOf('--model');
const model = i >= 0 ? (process.argv[i + 1] ?? 'forge:gpt2-small') : 'forge:gpt2-small';
const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const N = 64;
const supported = (await getLlamaGpuTypes('supported')).filter((g): g is 'cuda' | 'vulkan' => g === 'cuda' || g === 'vulkan');
console.log(`[gpu-check-llama] usable llama.cpp GPU backends: ${supported.join(', ') || 'none'}`);
if (supported.length === 0) process.exit(2);

const modelsDir = modelsDirFromEnv(process.env);
if (model.startsWith('forge:')) await forgeModel(model.slice(6), { cacheDir: modelsDir });
const { folder } = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`[gpu-check-llama] ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

const cpu = await LlamaCppRunner.load(folder, { dtype: 'fp32', threads: 2, gpu: false });
const cpuTokens = (await cpu.generate(PROMPT, { maxNewTokens: N, useCache: true, eosTokenIds: [] })).outputTokenIds;
await cpu.release();
for (const gpu of supported) {
  try {
    const r = await LlamaCppRunner.load(folder, { dtype: 'fp32', threads: 2, gpu });
    const g = await r.generate(PROMPT, { maxNewTokens: N, useCache: true, eosTokenIds: [] });
    const mem = await r.gpuMemory();
    check(r.backend.gpu === gpu, `${gpu}: backend ${String(r.backend.gpu)} (${r.backend.gpuDevices.join(', ')})`);
    check(r.gpuLayers >= r.config.layers, `${gpu}: ${r.gpuLayers} layers offloaded of ${r.config.layers}`);
    check((mem?.usedBytes ?? 0) > 0, `${gpu}: GPU memory in use ${((mem?.usedBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`);
    check(g.outputTokenIds.length === N, `${gpu}: ${g.outputTokenIds.length} tokens generated`);
    const same = g.outputTokenIds.findIndex((t, k) => t !== cpuTokens[k]);
    const ms = (g.events.at(-1)?.t ?? 0) - (g.events[0]?.t ?? 0);
    console.log(
      `[gpu-check-llama] ${gpu}: greedy prefix equal to CPU ${same < 0 ? N : same}/${N}; decode ${((N - 1) / (ms / 1000)).toFixed(0)} tok/s`,
    );
    await r.release();
  } catch (err) {
    check(false, `${gpu}: ${(err as Error).message}`);
  }
}

// The worker's path: a cuda cell through runCell, its environment naming the backend that ran.
const pool = new ModelPool(1);
try {
  const run = await runCell(
    {
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
      engine: 'llama.cpp',
    },
    { modelsDir, modelRoots: [modelsDir], pool },
  );
  check(/, (cuda|vulkan)\)$/.test(run.environment.engine ?? ''), `cuda cell: environment.engine ${run.environment.engine}`);
} catch (err) {
  check(false, `cuda cell: ${(err as Error).message}`);
} finally {
  await pool.clear();
}
console.log(failures.length === 0 ? '[gpu-check-llama] PASS' : `[gpu-check-llama] ${failures.length} failed`);
process.exitCode = failures.length === 0 ? 0 : 1;
