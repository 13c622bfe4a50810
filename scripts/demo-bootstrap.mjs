#!/usr/bin/env node
// `npm run demo`: plain JavaScript so it runs before dependencies exist. Installs them when
// missing, then hands over to the TypeScript demo.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const need = ['node_modules/.bin/tsx', 'node_modules/onnxruntime-node', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'];
// stdout carries the demo's result only (`--json` is parsed by scripts): npm's and vite's output,
// and our own lines, go to stderr.
const toStderr = { cwd: root, stdio: ['inherit', 2, 'inherit'] };
if (!need.every((p) => existsSync(join(root, p)))) {
  console.error('[demo] installing dependencies (npm ci)…');
  execSync('npm ci', toStderr);
}
// The api serves the dashboard from apps/dashboard/dist: build it when missing (a few seconds).
if (!existsSync(join(root, 'apps/dashboard/dist/index.html'))) {
  console.error('[demo] building the dashboard (npm run build)…');
  execSync('npm run build', toStderr);
}
const r = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/demo.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
