import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Energy } from '@inferlab/experiments';

const RAPL_ROOT = '/sys/class/powercap';
/**
 * Used only when nothing is readable: an assumed draw per fully busy core. A rough server-core
 * figure (a ~200 W, 20-core socket), not a measurement; `method` says so in every result.
 */
export const ESTIMATE_WATTS_PER_BUSY_CORE = 10;

type Counter = { file: string; max: number };

/** Top-level RAPL packages (intel-rapl:0, intel-rapl:1 …), not their sub-zones (which they include). */
function raplCounters(root: string): Counter[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => /^intel-rapl:\d+$/.test(d))
    .map((d) => ({ file: join(root, d, 'energy_uj'), max: Number(readText(join(root, d, 'max_energy_range_uj')) ?? Number.NaN) }))
    .filter((c) => readText(c.file) !== null); // unreadable without privileges on many hosts
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** NVML's energy counter (mJ since the driver loaded) summed over GPUs, via nvidia-smi. */
function nvmlMillijoules(): number | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=total_energy_consumption', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    const values = out.trim().split('\n').map(Number);
    return values.length > 0 && values.every(Number.isFinite) ? values.reduce((a, b) => a + b, 0) : null;
  } catch {
    return null;
  }
}

/**
 * Reads the counters at start and at stop. RAPL (CPU package energy) when readable; NVML for
 * CUDA cells; otherwise an estimate from this process's CPU time, labelled as an estimate.
 */
export class EnergyProbe {
  private readonly rapl: Counter[];
  private readonly raplStart: number[];
  private readonly nvmlStart: number | null;

  constructor(device: 'cpu' | 'cuda', raplRoot = RAPL_ROOT) {
    this.rapl = raplCounters(raplRoot);
    this.raplStart = this.rapl.map((c) => Number(readText(c.file)));
    this.nvmlStart = device === 'cuda' ? nvmlMillijoules() : null;
  }

  /** `cpuMs`: user + system CPU time of the window, for the estimate. */
  stop(cpuMs: number): Energy {
    if (this.nvmlStart !== null) {
      const end = nvmlMillijoules();
      if (end !== null)
        return { joules: (end - this.nvmlStart) / 1000, source: 'nvml', method: 'NVML total_energy_consumption difference (GPUs only)' };
    }
    if (this.rapl.length > 0) {
      let uj = 0;
      this.rapl.forEach((c, i) => {
        const start = this.raplStart[i] as number;
        const end = Number(readText(c.file));
        uj += end >= start ? end - start : end + (Number.isFinite(c.max) ? c.max : 0) - start; // counter wrapped
      });
      return { joules: uj / 1e6, source: 'rapl', method: `RAPL energy_uj difference over ${this.rapl.length} package(s), whole machine` };
    }
    return {
      joules: (cpuMs / 1000) * ESTIMATE_WATTS_PER_BUSY_CORE,
      source: 'estimate',
      method: `ESTIMATE, not measured (no readable RAPL or NVML): process CPU seconds × ${ESTIMATE_WATTS_PER_BUSY_CORE} W per busy core (assumed)`,
    };
  }
}
