import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/**
 * The GPUs this machine exposes, whatever their driver: NVIDIA's as `nvidia-smi -L` lists them, and
 * the DRM render nodes other drivers create. Empty on a machine without a GPU. Tests and the GPU
 * check use it to know which outcome to expect; it chooses no provider itself.
 */
export function listGpuDevices(): string[] {
  const devices: string[] = [];
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    devices.push(...out.split('\n').filter((line) => line.startsWith('GPU ')));
  } catch {
    // no NVIDIA driver
  }
  if (devices.length === 0 && existsSync('/dev/dri')) {
    devices.push(
      ...readdirSync('/dev/dri')
        .filter((f) => f.startsWith('renderD'))
        .map((f) => `/dev/dri/${f}`),
    );
  }
  return devices;
}
