import { execFile } from 'node:child_process';

export type GpuSample = { memoryUsedBytes: number; utilizationPct: number };
export type GpuUsage = { name: string | null; peakMemoryUsedBytes: number; meanUtilizationPct: number; samples: number };

const MIB = 2 ** 20;

function query(): Promise<{ name: string; sample: GpuSample } | null> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      [
        '--query-gpu=name,memory.used,utilization.gpu',
        '--format=csv,noheader,nounits',
        '-i',
        process.env.CUDA_VISIBLE_DEVICES?.split(',')[0] ?? '0',
      ],
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

  constructor(everyMs = 500) {
    const tick = () =>
      void query().then((q) => {
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
