import { parseArgs } from 'node:util';
import { ApiError } from '@inferlab/client';
import { createClient } from './client.ts';
import { type Command, commandHelp, GLOBAL_OPTIONS } from './command.ts';
import { cancelCommand } from './commands/cancel.ts';
import { compareCommand } from './commands/compare.ts';
import { historyCommand } from './commands/history.ts';
import { reportCommand } from './commands/report.ts';
import { resultsCommand } from './commands/results.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { workersCommand } from './commands/workers.ts';
import { loadConfig } from './config.ts';
import { CliFailure, UsageError } from './errors.ts';
import { type Output, print, printJson } from './output.ts';

export const COMMANDS: readonly Command[] = [
  runCommand,
  statusCommand,
  resultsCommand,
  compareCommand,
  workersCommand,
  cancelCommand,
  reportCommand,
  historyCommand,
];

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: inferlab <command> [options]',
    '',
    'Submit experiment matrices to an inferlab api, watch them run, read and compare their results.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --api URL (env INFERLAB_API, default http://127.0.0.1:8787), --token TOKEN',
    '(env INFERLAB_TOKEN), --json (machine-readable output) and --help.',
    '',
    'Exit status: 0 ok, 1 a failed cell or an api error, 2 wrong usage.',
    '',
  ].join('\n');
}

/** Runs one command line (without `node inferlab`); resolves to the exit status. */
export async function runCli(argv: readonly string[], out: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(name === undefined ? out.stderr : out.stdout, topHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    print(out.stderr, `inferlab: unknown command ${JSON.stringify(name)}\n\n${topHelp()}`);
    return 2;
  }
  let json = rest.includes('--json');
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: { ...command.options, ...GLOBAL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      print(out.stdout, commandHelp(command));
      return 0;
    }
    json = values.json === true;
    if (positionals.length !== command.positionals.length) {
      const expected = command.positionals.length === 0 ? 'no arguments' : command.positionals.join(' ');
      throw new UsageError(`expected ${expected}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    }
    const config = loadConfig({ api: values.api as string | undefined, token: values.token as string | undefined }, env);
    return await command.run({ client: createClient(config), out, json }, { values, positionals });
  } catch (err) {
    return reportError(err, command, out, json);
  }
}

function reportError(err: unknown, command: Command, out: Output, json: boolean): number {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    print(
      out.stderr,
      `inferlab ${command.name}: ${(err as Error).message}\nUsage: inferlab ${command.usage}  (inferlab ${command.name} --help)`,
    );
    return 2;
  }
  if (err instanceof ApiError) {
    if (json) printJson(out.stdout, { error: err.code, status: err.status, message: err.message, issues: err.issues });
    const lines = [`inferlab ${command.name}: ${err.message}${err.status > 0 ? ` (HTTP ${err.status} ${err.code})` : ''}`];
    if (err.issues.length > 0)
      lines.splice(
        0,
        1,
        `inferlab ${command.name}: the api refused the matrix (HTTP ${err.status} ${err.code}):`,
        ...err.issues.map((i) => `  ${i.path || '(matrix)'}: ${i.message}`),
      );
    print(out.stderr, lines.join('\n'));
    return 1;
  }
  if (err instanceof CliFailure) {
    print(out.stderr, `inferlab ${command.name}: ${err.message}`);
    return 1;
  }
  throw err;
}
