import { UsageError } from './errors.ts';

const DEFAULT_API = 'http://127.0.0.1:8787';

/** Where the api is and how to authenticate. */
export type CliConfig = { api: string; token: string | null };

/** Flags first, then INFERLAB_API / INFERLAB_TOKEN: the only place the CLI reads its environment. */
export function loadConfig(
  flags: { api?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): CliConfig {
  const api = flags.api ?? (env.INFERLAB_API || DEFAULT_API);
  const from = flags.api === undefined ? 'INFERLAB_API' : '--api';
  if (!/^https?:\/\//.test(api) || !URL.canParse(api))
    throw new UsageError(`${from} must be an http(s) URL such as ${DEFAULT_API}, got ${JSON.stringify(api)}`);
  return { api: api.replace(/\/+$/, ''), token: flags.token ?? (env.INFERLAB_TOKEN || null) };
}
