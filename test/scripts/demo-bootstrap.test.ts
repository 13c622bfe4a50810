// `npm run -s demo -- --once --json` must print only JSON on stdout, also on a first run that builds
// the dashboard. The real bootstrap runs here in a throwaway root laid out like a clone with its
// dependencies installed but no dashboard build: its `npm run build` (real npm, which prints its
// `> build` banner on stdout like vite and turbo do) must land on stderr, the demo's JSON alone on stdout.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'inferlab-demo-bootstrap-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/demo-bootstrap.mjs'), join(dir, 'scripts/demo-bootstrap.mjs'));
  for (const d of ['node_modules/.bin', 'node_modules/onnxruntime-node', 'node_modules/better-sqlite3/build/Release'])
    mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), '');
  // The demo itself: its result on stdout, progress on stderr (scripts/demo.ts with --json).
  writeFileSync(
    join(dir, 'node_modules/.bin/tsx'),
    '#!/bin/sh\necho "[demo] progress" >&2\necho \'{"experiment":{"status":"done"},"args":"\'"$*"\'"}\'\n',
  );
  chmodSync(join(dir, 'node_modules/.bin/tsx'), 0o755);
  // The build: chatter on stdout, as vite and turbo print, then the page the api serves.
  const build =
    "console.log('vite v8 building for production... dist/index.html 0.5 kB'); require('fs').mkdirSync('apps/dashboard/dist', { recursive: true }); require('fs').writeFileSync('apps/dashboard/dist/index.html', '<!doctype html>')";
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'fresh-clone', private: true, scripts: { build: `node -e "${build}"` } }),
  );
  return dir;
}

describe('demo bootstrap', () => {
  it('sends the dashboard build and its own lines to stderr: stdout is the demo’s JSON alone', () => {
    root = freshClone();
    const r = spawnSync(process.execPath, [join(root, 'scripts/demo-bootstrap.mjs'), '--once', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(root, 'apps/dashboard/dist/index.html'))).toBe(true); // it did build
    const result = JSON.parse(r.stdout);
    expect(result.experiment.status).toBe('done');
    expect(result.args).toContain('--once --json');
    expect(r.stderr).toContain('[demo] building the dashboard');
    expect(r.stderr).toContain('vite v8 building for production');
    expect(r.stderr).toContain('[demo] progress');
  });
});
