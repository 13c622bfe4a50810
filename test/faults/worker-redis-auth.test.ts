// Issue #19.7: a worker that cannot authenticate to Redis prints one clear line per retry interval
// (not a stack trace every few hundred ms) and exits promptly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_RETRY_MS } from '../../apps/worker/src/redis-connection.ts';
import { type LocalRedis, startLocalRedis } from '../../scripts/lib/local-redis.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let redis: LocalRedis;
const dataDir = mkdtempSync(join(tmpdir(), 'inferlab-worker-auth-'));
beforeAll(async () => {
  redis = await startLocalRedis({ password: 'the-right-one' });
});
afterAll(async () => {
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a worker with the wrong Redis password', () => {
  it('says so once per retry interval, without a stack, and exits at once on SIGTERM', async () => {
    const url = redis.url.replace('the-right-one', 'a-wrong-one');
    const worker = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: url, WORKER_DEVICE: 'cpu', INFERLAB_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: { at: number; text: string }[] = [];
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const text of parts) if (text.trim() !== '') lines.push({ at: Date.now(), text });
    };
    worker.stdout.on('data', onData);
    worker.stderr.on('data', onData);
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));

    // From the first complaint, watch two and a half intervals.
    const deadline = Date.now() + 60_000;
    while (!lines.some((l) => /cannot authenticate to Redis/.test(l.text))) {
      if (Date.now() > deadline || worker.exitCode !== null)
        throw new Error(`no auth line; output:\n${lines.map((l) => l.text).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = lines.find((l) => /cannot authenticate to Redis/.test(l.text))?.at ?? Date.now();
    await new Promise((r) => setTimeout(r, 2.5 * REDIS_RETRY_MS));
    const watched = lines.filter((l) => l.at >= first);
    const auth = watched.filter((l) => /cannot authenticate to Redis/.test(l.text));
    console.log(`${watched.length} lines in ${(2.5 * REDIS_RETRY_MS) / 1000} s, ${auth.length} about authentication:\n${auth[0]?.text}`);
    expect(auth.length).toBeGreaterThanOrEqual(2);
    expect(auth.length).toBeLessThanOrEqual(4); // one per interval (+1 for a boundary)
    expect(watched.length).toBeLessThanOrEqual(6);
    expect(watched.filter((l) => /"stack"|^\s+at /.test(l.text))).toEqual([]);
    expect(auth[0]?.text).toMatch(/check the password in REDIS_URL/);
    expect(auth[0]?.text).not.toContain('a-wrong-one');

    const t = Date.now();
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    console.log(`exited ${Date.now() - t} ms after SIGTERM`);
    expect(Date.now() - t).toBeLessThan(3000);
  }, 120_000);
});
