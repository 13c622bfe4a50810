import { type ClientOptions, createInferlabClient, type InferlabClient, type ServerEvent, serverEvents } from '@inferlab/client';
import type { CliConfig } from './config.ts';

/**
 * What a command talks to the api through: the typed routes of @inferlab/client (read their
 * answers with its `answer`, which throws ApiError) and the event stream.
 */
export type ApiClient = { routes: InferlabClient; events: (signal: AbortSignal) => AsyncGenerator<ServerEvent> };

/** One token for reads and writes: the CLI is one user with one token (`--token`, INFERLAB_TOKEN). */
export function createClient(config: CliConfig): ApiClient {
  const token = () => config.token;
  const options: ClientOptions = {
    baseUrl: config.api,
    readToken: token,
    writeToken: token,
    unreachableHint: 'start it with `npm run api` or pass --api',
  };
  return { routes: createInferlabClient(options), events: (signal) => serverEvents(options, signal) };
}
