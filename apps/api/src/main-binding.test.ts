// Issue #19.3: without tokens the api binds 127.0.0.1 unless asked; asked for 0.0.0.0, it warns and
// names the risk; INFERLAB_REQUIRE_TOKENS=on refuses to start without a write token.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/lib/local-redis.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'inferlab-binding-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts main.ts with `env` until it listens or exits; its output and exit code (null: it was stopped). */
async function startApi(env: NodeJS.ProcessEnv): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      INFERLAB_DATA_DIR: work,
      RECORDER: 'off',
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((r) => {
    const check = (d: Buffer) => {
      output += d.toString();
      if (/listening on/.test(output)) r();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    void exited.then(() => r());
  });
  const code = child.exitCode;
  child.kill('SIGTERM');
  await exited;
  return { output, code };
}

describe('binding', () => {
  it('127.0.0.1 by default; HOST=0.0.0.0 without tokens warns and names the risk', async () => {
    const local = await startApi({ HOST: '', INFERLAB_API_TOKENS: '' });
    expect(local.output).toMatch(/listening on http:\/\/127\.0\.0\.1:/);
    expect(local.output).not.toMatch(/"level":40/);
    const open = await startApi({ HOST: '0.0.0.0', INFERLAB_API_TOKENS: '' });
    expect(open.output).toMatch(/"level":40.*HOST=0\.0\.0\.0 without INFERLAB_API_TOKENS: anyone on the network/);
    const guarded = await startApi({ HOST: '0.0.0.0', INFERLAB_API_TOKENS: 'w' });
    expect(guarded.output).not.toMatch(/"level":40/);
  }, 60_000);

  it('INFERLAB_REQUIRE_TOKENS=on without a write token does not start', async () => {
    const refused = await startApi({ INFERLAB_REQUIRE_TOKENS: 'on', INFERLAB_API_TOKENS: '' });
    expect(refused.code).not.toBe(0);
    expect(refused.code).not.toBe(null);
    expect(refused.output).toMatch(/INFERLAB_API_TOKENS is not set/);
  }, 30_000);
});
