// npm run chaos -- [--seed 1] [--faults 8] [--lengths 8,12,16,20] [--repetitions 4] [--lock-ms 3000] [--freeze-ms 10000]
// Runs an experiment under seeded random faults (scripts/lib/chaos.ts) and checks the invariants;
// exits 1 when one does not hold. A bounded version runs in npm test (test/faults/chaos.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { runChaos } from './lib/chaos.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: '8' },
    lengths: { type: 'string', default: '8,12,16,20' },
    repetitions: { type: 'string', default: '4' },
    'lock-ms': { type: 'string', default: '3000' },
    'freeze-ms': { type: 'string', default: '10000' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('npm run chaos -- [--seed N] [--faults N] [--lengths 8,12] [--repetitions N] [--lock-ms MS] [--freeze-ms MS] [--keep]');
  process.exit(0);
}
const int = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${values[name]}`);
  return n;
};
const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-chaos-'));
const report = await runChaos({
  dataDir,
  modelsDir: modelsDirFromEnv(process.env),
  seed: int('seed'),
  faults: int('faults'),
  lengths: String(values.lengths).split(',').map(Number),
  repetitions: int('repetitions'),
  lockMs: int('lock-ms'),
  freezeMs: int('freeze-ms'),
  timeoutMs: 600_000,
  log: (line) => console.error(line),
});
console.log(`experiment ${report.experimentId}, ${report.cells} cells, faults: ${report.faults.join(', ') || 'none'}`);
for (const inv of report.invariants) console.log(`${inv.ok ? 'ok  ' : 'FAIL'} ${inv.name}: ${inv.detail}`);
if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
else console.log(`data kept in ${dataDir}`);
process.exit(report.invariants.every((i) => i.ok) ? 0 : 1);
