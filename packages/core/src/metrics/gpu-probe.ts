import { execFile } from 'node:child_process';
import type { GpuUsage } from '@inferlab/experiments';

export type GpuSample = { memoryUsedBytes: number; utilizationPct: number };

const MIB = 2 ** 20;

function query(gpu: string): Promise<{ name: string; sample: GpuSample } | null> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.used,utilization.gpu', '--format=csv,noheader,nounits', '-i', gpu],
      { timeout: 2000 },
      (err, stdout) => {
        if (err) return resolve(null);
        const [name, mem, util] = stdout
          .trim()
          .split(',')
          .map((s) => s.trim());
        if (!name || mem === undefined || util === undefined) return resolve(null);
        resolve({ name, sample: { memoryUsedBytes: Number(mem) * MIB, utilizationPct: Number(util) } });
      },
    );
  });
}

/**
 * GPU memory and utilisation over a cell, sampled with nvidia-smi (NVML) from a thread that is not
 * blocked by inference. Memory is the device's, as NVML reports it (all processes on the GPU).
 */
export class GpuProbe {
  private readonly samples: GpuSample[] = [];
  private name: string | null = null;
  private readonly timer: NodeJS.Timeout;

  /** `gpu`: the device to sample, as nvidia-smi -i names it (the worker passes the first of CUDA_VISIBLE_DEVICES). */
  constructor(options: { everyMs?: number; gpu?: string } = {}) {
    const { everyMs = 500, gpu = '0' } = options;
    const tick = () =>
      void query(gpu).then((q) => {
        if (!q) return;
        this.name = q.name;
        this.samples.push(q.sample);
      });
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  stop(): GpuUsage | null {
    clearInterval(this.timer);
    if (this.samples.length === 0) return null;
    return {
      name: this.name,
      peakMemoryUsedBytes: Math.max(...this.samples.map((s) => s.memoryUsedBytes)),
      meanUtilizationPct: this.samples.reduce((a, s) => a + s.utilizationPct, 0) / this.samples.length,
      samples: this.samples.length,
    };
  }
}
