// The CLI starts in a blink and runs anywhere: it never loads the inference runtime, nor SQLite
// (the report package and the client take only types from db and the api). Every command is
// imported statically, so `--help` loads the whole graph; a resolve hook writes it down.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'inferlab-cli-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('inferlab entry', () => {
  it('loads no onnxruntime, transformers.js, llama.cpp, core, runner, SQLite or the api', () => {
    const out = join(work, 'modules.txt');
    writeFileSync(out, '');
    writeFileSync(
      join(work, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MODULES_OUT, r.url + '\\n');
  return r;
}`,
    );
    writeFileSync(
      join(work, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(join(work, 'register.mjs')).href, 'apps/cli/bin/inferlab.mjs', 'run', '--help'],
      {
        cwd: ROOT,
        env: { ...process.env, MODULES_OUT: out },
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: inferlab run');
    const modules = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((m) => m.includes('/packages/report/src/'))).toBe(true); // the graph was really walked
    expect(modules.some((m) => m.includes('/node_modules/hono/'))).toBe(true);
    expect(
      modules.filter((m) =>
        /onnxruntime|@huggingface[\\/]transformers|node-llama-cpp|better-sqlite3|drizzle-orm|\/packages\/(core|runner|db)\/|\/apps\/api\//.test(
          m,
        ),
      ),
    ).toEqual([]);
  });
});
