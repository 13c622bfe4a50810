/** What scripts/gpu-check.ts needs from a results cell (docs/contracts.md CellSummary). */
export type GpuCheckCell = {
  status: string;
  error: string | null;
  requests: number;
  config: { device: string };
  environment: { executionProvider?: string; backend?: string } | null;
  gpu: { peakMemoryUsedBytes: number; samples: number } | null;
};

/**
 * Every way the GPU check's platform run falls short, empty when it passes: one cpu and one cuda
 * cell, both done with requests; the cuda cell on `gpuBackend` (the onnxruntime provider the worker
 * chose: CUDA, else WebGPU) with GPU memory sampled; the cpu cell on the CPU provider. A printout is
 * not a check: the script exits non-zero on any of these.
 */
export function gpuCheckFailures(cells: readonly GpuCheckCell[], gpuBackend: 'cuda' | 'webgpu' = 'cuda'): string[] {
  const failures: string[] = [];
  for (const device of ['cpu', 'cuda']) {
    const found = cells.filter((c) => c.config.device === device);
    if (found.length !== 1) {
      failures.push(`expected one ${device} cell, found ${found.length}`);
      continue;
    }
    const c = found[0] as GpuCheckCell;
    if (c.status !== 'done') failures.push(`${device} cell is ${c.status}${c.error ? `: ${c.error}` : ''}`);
    if (c.requests <= 0) failures.push(`${device} cell recorded no requests`);
    const expected = device === 'cpu' ? 'cpu' : gpuBackend;
    const provider = c.environment?.executionProvider;
    if (provider !== expected) failures.push(`${device} cell ran on execution provider ${provider ?? 'unknown'}, not ${expected}`);
    const backend = c.environment?.backend;
    if (backend !== expected) failures.push(`${device} cell's environment names backend ${backend ?? 'none'}, not ${expected}`);
    if (device === 'cuda') {
      if (c.gpu === null) failures.push('cuda cell recorded no GPU usage (nvidia-smi sampling)');
      else if (!(c.gpu.samples > 0 && c.gpu.peakMemoryUsedBytes > 0))
        failures.push(`cuda cell recorded no GPU memory (${c.gpu.samples} samples, peak ${c.gpu.peakMemoryUsedBytes} bytes)`);
    }
  }
  return failures;
}
