import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnergyProbe, ESTIMATE_WATTS_PER_BUSY_CORE } from './energy-probe.ts';

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
    expect(e).toMatchObject({ source: 'estimate', joules: 1.5 * ESTIMATE_WATTS_PER_BUSY_CORE });
    expect(e.method).toMatch(/^ESTIMATE, not measured/);
  });
});
