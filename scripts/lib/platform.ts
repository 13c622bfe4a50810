import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type LocalRedis, pingRedis, startLocalRedis } from './local-redis.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// `node --import tsx` rather than the tsx CLI: one process per service, so a signal reaches it
// (the CLI runs the script in a child process that outlives a SIGKILL of the parent).
const NODE_TS = [process.execPath, '--import', 'tsx'] as const;

export type PlatformOptions = {
  dataDir: string;
  /** Use this Redis when it answers; else start a private redis-server. */
  redisUrl?: string;
  workers?: number;
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** Where child output goes; default: inherit nothing, keep the last lines for errors. */
  log?: (source: string, line: string) => void;
};

export type Platform = {
  apiUrl: string;
  redisUrl: string;
  redis: LocalRedis | null;
  api: ChildProcess;
  workers: ChildProcess[];
  /** `prefix` wraps the command, e.g. `['ip', 'netns', 'exec', 'ns1']` to run it on another (virtual) host. */
  startWorker: (env?: NodeJS.ProcessEnv, prefix?: string[]) => Promise<ChildProcess>;
  restartApi: (signal?: NodeJS.Signals) => Promise<void>;
  stop: () => Promise<void>;
};

function pipeLines(child: ChildProcess, source: string, log?: (source: string, line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        log?.(source, buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  }
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** api (with its recorder) + N CPU workers as real child processes over a real Redis. */
export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  mkdirSync(opts.dataDir, { recursive: true });
  let redis: LocalRedis | null = null;
  let redisUrl = opts.redisUrl;
  if (!redisUrl || !(await pingRedis(redisUrl))) {
    redis = await startLocalRedis({ log: (l) => opts.log?.('redis', l) });
    redisUrl = redis.url;
  }
  const port = opts.port ?? (await freePort());
  const baseEnv = { ...process.env, ...opts.env, REDIS_URL: redisUrl, INFERLAB_DATA_DIR: opts.dataDir };
  const spawnApi = () => {
    const child = spawn(NODE_TS[0], [...NODE_TS.slice(1), join(ROOT, 'apps/api/src/main.ts')], {
      cwd: ROOT,
      env: { ...baseEnv, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeLines(child, 'api', opts.log);
    return child;
  };
  const apiUrl = `http://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [];
  const platform = { apiUrl, redisUrl, redis, api: spawnApi(), workers } as Platform;
  /** Stops the api (SIGKILL by default: a crash) and starts a new one on the same port and database. */
  const restartApi = async (signal: NodeJS.Signals = 'SIGKILL') => {
    await stopChild(platform.api, signal);
    platform.api = spawnApi();
    await waitForHttp(`${apiUrl}/healthz`, 60_000, platform.api);
  };
  const startWorker = async (env: NodeJS.ProcessEnv = {}, prefix: string[] = []) => {
    const command = [...prefix, ...NODE_TS, join(ROOT, 'apps/worker/src/main.ts')];
    const w = spawn(command[0] as string, command.slice(1), {
      cwd: ROOT,
      env: { ...baseEnv, WORKER_DEVICE: 'cpu', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeLines(w, `worker${workers.length}`, opts.log);
    workers.push(w);
    return w;
  };
  const stop = async () => {
    await Promise.all(workers.map((w) => stopChild(w)));
    await stopChild(platform.api);
    await redis?.stop();
  };
  try {
    await waitForHttp(`${apiUrl}/healthz`, 60_000, platform.api);
    for (let i = 0; i < (opts.workers ?? 1); i++) await startWorker();
  } catch (err) {
    await stop();
    throw err;
  }
  return Object.assign(platform, { startWorker, restartApi, stop });
}
