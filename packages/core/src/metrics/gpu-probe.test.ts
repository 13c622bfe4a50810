// The probe against a stand-in nvidia-smi on PATH that prints what NVML's CLI prints; the real
// binary is exercised on GPU machines (scripts/gpu-check.ts).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuProbe } from './gpu-probe.ts';

describe('GpuProbe', () => {
  let dir: string;
  const path = process.env.PATH;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'inferlab-nvsmi-'));
    const counter = join(dir, 'n');
    writeFileSync(counter, '0');
    // memory.used (MiB) and utilization.gpu (%) change per call: 1000/20, 3000/60, 2000/40, ...
    writeFileSync(
      join(dir, 'nvidia-smi'),
      `#!/bin/sh\nn=$(cat ${counter}); echo $((n+1)) > ${counter}\ncase $((n % 3)) in 0) echo "NVIDIA H200, 1000, 20";; 1) echo "NVIDIA H200, 3000, 60";; *) echo "NVIDIA H200, 2000, 40";; esac\n`,
    );
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
    process.env.PATH = `${dir}:${path}`;
  });
  afterAll(() => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the peak memory and mean utilisation of its samples', async () => {
    const probe = new GpuProbe({ everyMs: 30 });
    await new Promise((r) => setTimeout(r, 400));
    const usage = probe.stop();
    expect(usage).not.toBeNull();
    expect(usage!.name).toBe('NVIDIA H200');
    expect(usage!.samples).toBeGreaterThanOrEqual(3);
    expect(usage!.peakMemoryUsedBytes).toBe(3000 * 2 ** 20);
    expect(usage!.meanUtilizationPct).toBeGreaterThanOrEqual(20);
    expect(usage!.meanUtilizationPct).toBeLessThanOrEqual(60);
  });

  it('reports nothing where nvidia-smi is absent', async () => {
    process.env.PATH = '/nonexistent';
    const probe = new GpuProbe({ everyMs: 30 });
    await new Promise((r) => setTimeout(r, 150));
    expect(probe.stop()).toBeNull();
    process.env.PATH = `${dir}:${path}`;
  });
});
