import type { AppType } from '@inferlab/api/src/app.ts';
import type { AppEvent } from '@inferlab/api/src/events/event-bus.ts';
import type { MatrixIssue } from '@inferlab/experiments';
import { hc, type InferResponseType } from 'hono/client';
import type { CliConfig } from './config.ts';

type Routes = ReturnType<typeof hc<AppType>>;
/** The body of a route's successful answer, as the api's own route types say (errors are `{ error, message }`, thrown as ApiError). */
type Body<R> = R extends (...args: never[]) => unknown ? Exclude<InferResponseType<R>, { error: string; message: string }> : never;

export type Submitted = Body<Routes['v1']['experiments']['$post']>;
export type ExperimentBody = Body<Routes['v1']['experiments'][':id']['$get']>;
export type ResultsBody = Body<Routes['v1']['experiments'][':id']['results']['$get']>;
export type TokensBody = Body<Routes['v1']['cells'][':id']['tokens']['$get']>;
export type Comparison = Body<Routes['v1']['compare']['$get']>;
export type WorkersBody = Body<Routes['v1']['workers']['$get']>;
export type HistoryBody = Body<Routes['v1']['history']['$get']>;
export type CancelOutcome = Body<Routes['v1']['experiments'][':id']['cancel']['$post']>;
/** What `GET /v1/events` streams (not part of AppType: it is read as a stream, not as JSON). */
export type ExperimentEvent = Extract<AppEvent, { type: 'experiment' }>['data'];
export type ServerEvent = { event: string; data: string };

/** A non-2xx answer, with the api's `{ error, message, issues? }` body (issues: the matrix's field messages). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: MatrixIssue[] = [],
  ) {
    super(message);
  }
}

/** The api through hono/client on its exported AppType: paths, parameters and answers are checked against the routes. */
export function createClient(config: CliConfig) {
  const headers: Record<string, string> = config.token ? { authorization: `Bearer ${config.token}` } : {};
  const api = hc<AppType>(config.api, { headers });
  async function call<T>(request: () => Promise<Response>): Promise<T> {
    let res: Response;
    try {
      res = await request();
    } catch (err) {
      const cause = (err as Error).cause ?? (err as Error).message;
      throw new ApiError(0, 'network', `the api at ${config.api} did not answer (${cause}); start it with \`npm run api\` or pass --api`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // a proxy's HTML error page, say
    }
    if (!res.ok) {
      const b = (parsed ?? {}) as { error?: unknown; message?: unknown; issues?: unknown };
      const message = typeof b.message === 'string' ? b.message : `${res.status} ${res.statusText}`;
      const issues = Array.isArray(b.issues) ? (b.issues as MatrixIssue[]) : [];
      throw new ApiError(res.status, typeof b.error === 'string' ? b.error : 'http_error', message, issues);
    }
    return parsed as T;
  }
  // init.headers replace the client's headers (the token) rather than adding to them: repeat them.
  const json = (body: unknown) => ({ init: { body: JSON.stringify(body), headers: { ...headers, 'content-type': 'application/json' } } });
  return {
    api: config.api,
    submit: (matrix: unknown) => call<Submitted>(() => api.v1.experiments.$post({}, json(matrix))),
    experiment: (id: string) => call<ExperimentBody>(() => api.v1.experiments[':id'].$get({ param: { id } })),
    results: (id: string) => call<ResultsBody>(() => api.v1.experiments[':id'].results.$get({ param: { id } })),
    cancel: (id: string) => call<CancelOutcome>(() => api.v1.experiments[':id'].cancel.$post({ param: { id } })),
    tokens: (id: string) => call<TokensBody>(() => api.v1.cells[':id'].tokens.$get({ param: { id } })),
    compare: (a: string, b: string) => call<Comparison>(() => api.v1.compare.$get({ query: { a, b } })),
    workers: () => call<WorkersBody>(() => api.v1.workers.$get()),
    history: (query: { key?: string; limit?: string }) => call<HistoryBody>(() => api.v1.history.$get({ query })),
    events: (signal: AbortSignal) => serverEvents(`${config.api}/v1/events`, headers, signal),
  };
}

export type ApiClient = ReturnType<typeof createClient>;

/** `text/event-stream` parsed into events (comments and `retry:` lines skipped); ends when the stream does. */
async function* serverEvents(url: string, headers: Record<string, string>, signal: AbortSignal): AsyncGenerator<ServerEvent> {
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
  if (!res.ok || res.body === null) throw new ApiError(res.status, 'http_error', `GET /v1/events answered ${res.status}`);
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}
