import { execFileSync } from 'node:child_process';

const smi = (args: string[]): string | null => {
  try {
    return execFileSync('nvidia-smi', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return null;
  }
};

/** MiB of GPU memory nvidia-smi attributes to process `pid`; 0 when none (or it sees other pids: a container's namespace). */
export function processGpuMiB(pid: number = process.pid): number {
  const out = smi(['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits']) ?? '';
  return out
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((s) => Number(s.trim())))
    .filter(([p]) => p === pid)
    .reduce((sum, [, mib]) => sum + (mib ?? 0), 0);
}

/** MiB in use on GPU `index` by every process (nvidia-smi --query-gpu=memory.used); null without nvidia-smi. */
export function deviceGpuMiB(index = '0'): number | null {
  const out = smi(['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', index]);
  return out === null ? null : Number(out.trim());
}

/**
 * GPU memory a path holds, read while it holds it: what nvidia-smi attributes to this process, else
 * (Vulkan contexts or a container's pid namespace hide it there) the device's use above `baselineMiB`,
 * read just before the path started.
 */
export function heldGpuMiB(baselineMiB: number | null): { mib: number; how: string } {
  const own = processGpuMiB();
  if (own > 0) return { mib: own, how: 'nvidia-smi, this process' };
  const now = deviceGpuMiB();
  if (now === null || baselineMiB === null) return { mib: 0, how: 'nvidia-smi unavailable' };
  return { mib: now - baselineMiB, how: `nvidia-smi, device ${now} MiB − ${baselineMiB} MiB before` };
}
