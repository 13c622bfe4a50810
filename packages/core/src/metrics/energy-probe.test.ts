import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnergyProbe } from './energy-probe.ts';

// A RAPL tree laid out as the kernel does (energy_uj, max_energy_range_uj per package).
let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function fakeRapl(packages: { energy: number; max: number }[]) {
  root = mkdtempSync(join(tmpdir(), 'rapl-'));
  packages.forEach((p, i) => {
    const dir = join(root, `intel-rapl:${i}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'energy_uj'), `${p.energy}\n`);
    writeFileSync(join(dir, 'max_energy_range_uj'), `${p.max}\n`);
    mkdirSync(join(root, `intel-rapl:${i}:0`)); // a sub-zone: must not be counted twice
  });
}

describe('EnergyProbe', () => {
  it('sums RAPL package counters before/after, across a wraparound', () => {
    fakeRapl([
      { energy: 1_000_000, max: 10_000_000 },
      { energy: 9_500_000, max: 10_000_000 },
    ]);
    const probe = new EnergyProbe('cpu', root);
    writeFileSync(join(root, 'intel-rapl:0', 'energy_uj'), '3500000');
    writeFileSync(join(root, 'intel-rapl:1', 'energy_uj'), '500000'); // wrapped: 9.5 → 10 J, then 0 → 0.5 J
    const e = probe.stop(123);
    expect(e.source).toBe('rapl');
    expect(e.joules).toBeCloseTo(2.5 + 1.0, 9);
  });

  it('falls back to an estimate from CPU time, labelled as an estimate', () => {
    root = mkdtempSync(join(tmpdir(), 'rapl-none-'));
    const e = new EnergyProbe('cpu', join(root, 'missing')).stop(1500);
    // 1.5 CPU-seconds at the documented assumption of 10 W per busy core (docs/metrics.md "Cost").
    expect(e).toMatchObject({ source: 'estimate', joules: 15 });
    expect(e.method).toMatch(/^ESTIMATE, not measured/);
    expect(e.method).toContain('× 10 W per busy core');
  });
});

// NVML through a stand-in nvidia-smi on PATH that prints what the real one prints for
// `--query-gpu=total_energy_consumption --format=csv,noheader,nounits`: one line per GPU, in mJ
// since the driver loaded. Each call prints the next line of `readings` (then fails: exit 9).
describe('EnergyProbe on CUDA (NVML)', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  function fakeNvidiaSmi(readings: string[]) {
    root = mkdtempSync(join(tmpdir(), 'nvml-'));
    const counter = join(root, 'n');
    writeFileSync(counter, '0');
    const cases = readings.map((r, i) => `${i}) printf '${r}\\n';;`).join(' ');
    writeFileSync(
      join(root, 'nvidia-smi'),
      `#!/bin/sh\n[ "$1" = "--query-gpu=total_energy_consumption" ] || exit 2\nn=$(cat ${counter}); echo $((n+1)) > ${counter}\ncase $n in ${cases} *) exit 9;; esac\n`,
    );
    chmodSync(join(root, 'nvidia-smi'), 0o755);
    process.env.PATH = `${root}:${path}`;
  }

  it('sums the NVML counter difference over every GPU, in joules', () => {
    fakeNvidiaSmi(['1000000\\n2500000', '1002000\\n2503500']); // two GPUs: +2000 mJ and +3500 mJ
    const e = new EnergyProbe('cuda', join(root, 'no-rapl')).stop(99_000);
    expect(e).toEqual({ joules: 5.5, source: 'nvml', method: 'NVML total_energy_consumption difference (GPUs only)' });
  });

  it('falls back to the estimate when nvidia-smi fails at the end, and never asks NVML for a CPU cell', () => {
    fakeNvidiaSmi(['1000000']);
    expect(new EnergyProbe('cuda', join(root, 'no-rapl')).stop(2000)).toMatchObject({ source: 'estimate', joules: 20 });
    rmSync(root, { recursive: true, force: true });
    fakeNvidiaSmi(['1000000', '1009000']);
    expect(new EnergyProbe('cpu', join(root, 'no-rapl')).stop(2000)).toMatchObject({ source: 'estimate', joules: 20 });
  });
});
