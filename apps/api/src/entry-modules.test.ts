// The api process must not load the inference runtime (onnxruntime-node, transformers.js, llama.cpp):
// it is an HTTP server over SQLite and Redis. The entry runs in a child process with a module
// resolve hook that writes down every module it resolves (ESM) and, at exit, every CommonJS module
// loaded (native addons included); a control run of core's entry proves the check can fail.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/lib/local-redis.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const RUNTIME = /onnxruntime|@huggingface[\\/]transformers|node-llama-cpp/;
const work = mkdtempSync(join(tmpdir(), 'inferlab-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MODULES_OUT, r.url + '\\n');
  return r;
}`;
const REGISTER = `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(work, 'hooks.mjs')).href)});
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.MODULES_OUT, Object.keys(cache).join('\\n') + '\\n'));`;
writeFileSync(join(work, 'hooks.mjs'), HOOKS);
writeFileSync(join(work, 'register.mjs'), REGISTER);

/** Runs `entry` until it prints `ready` (or exits), stops it, and returns every module it loaded. */
async function loadedModules(name: string, entry: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const out = join(work, `${name}.txt`);
  writeFileSync(out, '');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(join(work, 'register.mjs')).href, ...entry],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, MODULES_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((r) => {
    const check = (d: Buffer) => {
      output += d.toString();
      if (ready.test(output)) r();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(() => r());
  });
  child.kill('SIGTERM');
  await exited;
  expect(output, output).toMatch(ready);
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

describe('the api process', () => {
  it('loads no inference runtime: main.ts serves without onnxruntime, transformers.js or llama.cpp', async () => {
    const modules = await loadedModules('api', ['apps/api/src/main.ts'], /listening on/, {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      INFERLAB_DATA_DIR: work,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`, // nothing listens: the api starts anyway
      RECORDER: 'off',
    });
    expect(modules.some((m) => m.includes('apps/api/src/app.ts'))).toBe(true);
    expect(modules.some((m) => m.includes('better-sqlite3'))).toBe(true); // CommonJS modules are seen too
    expect(modules.filter((m) => RUNTIME.test(m))).toEqual([]);
    expect(modules.filter((m) => m.includes('/packages/core/'))).toEqual([]);
  }, 60_000);

  it('(control) the same check sees onnxruntime when core is imported', async () => {
    const script = join(work, 'core-entry.mts');
    writeFileSync(script, `import '${join(ROOT, 'packages/core/src/index.ts')}';\nconsole.log('core loaded');\n`);
    const modules = await loadedModules('core', [script], /core loaded/);
    expect(modules.filter((m) => /onnxruntime/.test(m)).length).toBeGreaterThan(0);
  }, 60_000);
});
