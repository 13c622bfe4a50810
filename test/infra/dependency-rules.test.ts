// `npm run check:deps` (dependency-cruiser with .dependency-cruiser.cjs) must fail on a new import
// cycle or a layering violation. Run against small trees in a temp folder laid out like the repo,
// with the repo's own rules file, so the test shows the rules themselves catch each case.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const dirs: string[] = [];

/** Writes `files` (path → source) into a fresh folder and runs the check there: its exit status and report. */
function check(files: Record<string, string>): { status: number; report: string } {
  const dir = mkdtempSync(join(tmpdir(), 'inferlab-deps-'));
  dirs.push(dir);
  const all = { 'tsconfig.json': '{ "compilerOptions": { "allowImportingTsExtensions": true } }', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const args = ['packages', 'apps', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'];
  try {
    return { status: 0, report: execFileSync(DEPCRUISE, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, report: e.stdout };
  }
}

// A clean miniature of the layering: worker → runner → core → experiments, api → db → experiments.
const LAYERED = {
  'packages/experiments/src/cell.ts': 'export const CELL = 1;\n',
  'packages/core/src/engine/generate.ts': "import { CELL } from '../../../experiments/src/cell.ts';\nexport const generate = CELL;\n",
  'packages/core/src/decoding/greedy.ts': "import { generate } from '../engine/generate.ts';\nexport const greedy = generate;\n",
  'packages/runner/src/run-cell.ts': "import { greedy } from '../../core/src/decoding/greedy.ts';\nexport const runCell = greedy;\n",
  'apps/worker/src/main.ts': "import { runCell } from '../../../packages/runner/src/run-cell.ts';\nexport const main = runCell;\n",
  'packages/db/src/store.ts': "import { CELL } from '../../experiments/src/cell.ts';\nexport const store = CELL;\n",
  'apps/api/src/app.ts': "import { store } from '../../../packages/db/src/store.ts';\nexport const app = store;\n",
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('pass on a tree that keeps the layering', () => {
    const { status, report } = check(LAYERED);
    expect(report).toMatch(/no dependency violations/);
    expect(status).toBe(0);
  });

  it('fail on a file cycle', () => {
    const { status, report } = check({
      ...LAYERED,
      'packages/core/src/engine/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'packages/core/src/engine/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(status).not.toBe(0);
    expect(report).toMatch(/error no-circular: packages\/core\/src\/engine\/a\.ts/);
  });

  it('fail on a folder cycle made of files that are not a cycle (decoding ↔ engine)', () => {
    const { status, report } = check({
      ...LAYERED,
      // greedy.ts → engine/generate.ts already; engine/loop.ts → decoding/strategy.ts closes the folder cycle.
      'packages/core/src/decoding/strategy.ts': 'export type Strategy = { name: string };\n',
      'packages/core/src/engine/loop.ts':
        "import type { Strategy } from '../decoding/strategy.ts';\nexport const loop = (s: Strategy) => s.name;\n",
    });
    expect(status).not.toBe(0);
    expect(report).toMatch(/error no-circular-folders: packages\/core\/src\/(decoding|engine)/);
    expect(report).not.toMatch(/error no-circular:/);
  });

  it('fail when experiments imports one of ours, or core imports the runner', () => {
    const { status, report } = check({
      ...LAYERED,
      'packages/experiments/src/rules.ts':
        "import { generate } from '../../core/src/engine/generate.ts';\nexport const rules = generate;\n",
      'packages/core/src/metrics/probe.ts': "import { runCell } from '../../../runner/src/run-cell.ts';\nexport const probe = runCell;\n",
    });
    expect(status).not.toBe(0);
    expect(report).toMatch(/error layer-experiments: packages\/experiments\/src\/rules\.ts → packages\/core\/src\/engine\/generate\.ts/);
    expect(report).toMatch(/error layer-core: packages\/core\/src\/metrics\/probe\.ts → packages\/runner\/src\/run-cell\.ts/);
  });

  it('fail when a package without a declared layer imports one of ours', () => {
    const { status, report } = check({
      ...LAYERED,
      'packages/plugins/src/plugin.ts': "import { CELL } from '../../experiments/src/cell.ts';\nexport const plugin = CELL;\n",
      'packages/plugins/src/own.ts': "import { plugin } from './plugin.ts';\nexport const own = plugin;\n",
    });
    expect(status).not.toBe(0);
    expect(report).toMatch(/error layer-undeclared: packages\/plugins\/src\/plugin\.ts → packages\/experiments\/src\/cell\.ts/);
    expect(report).not.toMatch(/own\.ts/);
  });

  it('fail when the api imports core, or db imports core', () => {
    const { status, report } = check({
      ...LAYERED,
      'apps/api/src/models.ts':
        "import { generate } from '../../../packages/core/src/engine/generate.ts';\nexport const models = generate;\n",
      'packages/db/src/env.ts': "import { generate } from '../../core/src/engine/generate.ts';\nexport const env = generate;\n",
    });
    expect(status).not.toBe(0);
    expect(report).toMatch(/error api-no-inference-runtime: apps\/api\/src\/models\.ts → packages\/core\/src\/engine\/generate\.ts/);
    expect(report).toMatch(/error layer-db: packages\/db\/src\/env\.ts → packages\/core\/src\/engine\/generate\.ts/);
  });
});
