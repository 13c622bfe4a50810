import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';

export type Environment = {
  host: string;
  cpuModel: string;
  cores: number;
  threads: number;
  memoryBytes: number;
  os: string;
  node: string;
  onnxruntime: string;
  inferlab: string;
  gitCommit: string | null;
  executionProvider: string;
  gpu: string | null;
  clock: string;
  /** The engine that produced the tokens and its version. */
  engine?: string;
};

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

let cachedStatic: Omit<Environment, 'threads' | 'executionProvider'> | null = null;

/** What ran the numbers (METRICS.md "Environment captured with every result"). */
export function captureEnvironment(threads: number, executionProvider: string): Environment {
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
      gitCommit: process.env.INFERLAB_GIT_COMMIT ?? tryRun('git', ['rev-parse', 'HEAD']),
      gpu,
      clock: 'performance.now() (monotonic, ms)',
    };
  }
  return { ...cachedStatic, threads, executionProvider };
}
