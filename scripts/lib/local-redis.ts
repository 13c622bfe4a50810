import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type LocalRedis = { url: string; port: number; dir: string; child: ChildProcess; stop: () => Promise<void> };

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

export function findRedisServer(): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Finds redis-server, installing Debian's package when running as root; else says what to install. */
export function ensureRedisServer(log: (line: string) => void = () => {}): string {
  const found = findRedisServer();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log('redis-server is missing: installing it with apt-get (Debian package redis-server)…');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], {
      stdio: 'inherit',
    });
    const now = findRedisServer();
    if (now) return now;
  }
  throw new RedisUnavailableError(
    'redis-server is not installed and REDIS_URL is not reachable. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.',
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PING over a raw socket: true when a Redis answers at host:port within the timeout. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = new Socket();
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.connect(Number(u.port || 6379), u.hostname, () => {
      const auth = u.password ? `AUTH ${decodeURIComponent(u.username || 'default')} ${decodeURIComponent(u.password)}\r\n` : '';
      sock.write(`${auth}PING\r\n`);
    });
    sock.on('data', (d) => {
      if (d.toString().includes('PONG')) done(true);
      else if (d.toString().startsWith('-')) done(false);
    });
  });
}

export type StartRedisOptions = {
  appendOnly?: boolean;
  dir?: string;
  port?: number;
  /** Addresses to listen on; default loopback only. */
  bind?: string[];
  /** Require this password (the url then carries it). */
  password?: string;
  log?: (line: string) => void;
};

/** Starts a private redis-server child on a free port (noeviction, as BullMQ needs). */
export async function startLocalRedis(opts: StartRedisOptions = {}): Promise<LocalRedis> {
  const bin = ensureRedisServer(opts.log);
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'inferlab-redis-'));
  mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    ...(opts.bind ?? ['127.0.0.1']),
    '--dir',
    dir,
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
  args.push('--appendonly', opts.appendOnly ? 'yes' : 'no');
  // Listening beyond loopback (test hosts in network namespaces): Redis's protected mode would
  // refuse them since this private server has no password.
  if (opts.bind?.some((a) => a !== '127.0.0.1' && a !== '::1')) args.push('--protected-mode', 'no');
  if (opts.password) args.push('--requirepass', opts.password);
  if (opts.appendOnly) args.push('--appendfsync', 'always');
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d.toString();
  });
  const url = opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(url, 300))) {
    if (child.exitCode !== null) throw new RedisUnavailableError(`redis-server exited with code ${child.exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RedisUnavailableError(`redis-server did not answer on port ${port} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { url, port, dir, child, stop };
}
