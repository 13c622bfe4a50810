import type { ApiClient } from './client.ts';
import type { Output } from './output.ts';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; description: string; placeholder?: string };

/** What every command gets: the api client, where to write, and the global `--json`. */
export type CommandContext = { client: ApiClient; out: Output; json: boolean };

export type ParsedArgs = { values: Record<string, string | boolean | undefined>; positionals: string[] };

/**
 * One subcommand: its usage line, its own options (the global ones are added by main), how many
 * positionals it takes, and what it does; `run` resolves to the exit code.
 */
export type Command = {
  name: string;
  summary: string;
  /** `run <matrix.yaml|matrix.json> [--watch]` */
  usage: string;
  positionals: string[];
  options: Record<string, OptionSpec>;
  details?: string;
  run: (ctx: CommandContext, args: ParsedArgs) => Promise<number>;
};

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  api: { type: 'string', description: 'api base URL (env INFERLAB_API, default http://127.0.0.1:8787)', placeholder: 'URL' },
  token: { type: 'string', description: 'bearer token for an api with tokens (env INFERLAB_TOKEN)', placeholder: 'TOKEN' },
  json: { type: 'boolean', description: 'print the api answer as JSON (for scripts)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: inferlab ${cmd.usage}`, '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details);
  lines.push('', 'Options:', ...optionLines(cmd.options), ...optionLines(GLOBAL_OPTIONS));
  return `${lines.join('\n')}\n`;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(28)} ${o.description}`;
  });
}
