// Runs the `inferlab` CLI as a person would: its bin, a child process, piped or in a pseudo-terminal.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../apps/cli/bin/inferlab.mjs');

export type CliRun = { code: number | null; stdout: string; stderr: string };

/**
 * `tty: true` runs it under util-linux `script` (a pty: stdout.isTTY is true, stderr merges into
 * stdout); otherwise stdout and stderr are pipes.
 */
export function runInferlab(
  args: readonly string[],
  opts: { api: string; tty?: boolean; cwd?: string; timeoutMs?: number },
): Promise<CliRun> {
  const argv = [process.execPath, BIN, ...args];
  const [cmd, cmdArgs] = opts.tty ? ['script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null']] : [argv[0] as string, argv.slice(1)];
  const child = spawn(cmd as string, cmdArgs as string[], {
    cwd: opts.cwd,
    env: { ...process.env, INFERLAB_API: opts.api, INFERLAB_TOKEN: '', COLUMNS: '120' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
