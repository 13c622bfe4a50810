import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Environment } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';

const INFERLAB_VERSION = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

function tryRun(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim() || null;
  } catch {
    return null;
  }
}

let cachedStatic: Omit<Environment, 'threads' | 'executionProvider' | 'gitCommit'> | null = null;
let cachedCommit: string | null | undefined;

export type EnvironmentOptions = {
  /** The commit the process runs, when its deployment says so (a container has no .git); else `git rev-parse HEAD`. */
  gitCommit?: string | undefined;
};

/** What ran the numbers (docs/metrics.md "Environment captured with every result"). */
export function captureEnvironment(threads: number, executionProvider: string, options: EnvironmentOptions = {}): Environment {
  if (!cachedStatic) {
    const gpu = tryRun('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']);
    cachedStatic = {
      host: os.hostname(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryBytes: os.totalmem(),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
      inferlab: INFERLAB_VERSION,
      gpu,
      clock: 'performance.now() (monotonic, ms)',
    };
  }
  if (options.gitCommit === undefined && cachedCommit === undefined) cachedCommit = tryRun('git', ['rev-parse', 'HEAD']);
  return { ...cachedStatic, gitCommit: options.gitCommit ?? cachedCommit ?? null, threads, executionProvider };
}
