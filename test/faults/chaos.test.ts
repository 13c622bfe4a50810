// A bounded chaos run (scripts/lib/chaos.ts): seeded SIGKILL / SIGSTOP of workers and restarts of
// Redis and the api during an experiment, then every invariant. `npm run chaos` runs longer ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/lib/chaos.ts';
import { sharedModelsDir } from '../helpers/models.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-chaos-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('chaos', () => {
  it('keeps every invariant under seeded worker, Redis and api faults', { timeout: 400_000 }, async () => {
    const report = await runChaos({
      dataDir,
      modelsDir: await sharedModelsDir(['gpt2-tiny']),
      seed: 7,
      faults: 5,
      lengths: [8, 12],
      repetitions: 3,
      lockMs: 2000,
      freezeMs: 7000,
      timeoutMs: 240_000,
      log: () => {},
    });
    console.log(`chaos: ${report.cells} cells, faults ${report.faults.join(', ')}`);
    expect(report.cells).toBe(6);
    expect(report.faults.length).toBeGreaterThan(0);
    expect(report.invariants.map((i) => i.name)).toHaveLength(5);
    for (const inv of report.invariants) expect(inv, inv.detail).toMatchObject({ ok: true });
  });
});
