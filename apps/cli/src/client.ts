import type { AppEvent } from '@inferlab/api/src/events/event-bus.ts';
import type { CellTokens, ExperimentResults, ExperimentView } from '@inferlab/db';
import type { CellComparison, CellConfig, MatrixIssue, NoiseFloor } from '@inferlab/experiments';
import type { CliConfig } from './config.ts';

/** A row of `GET /v1/workers` (the api streams the same rows on heartbeats). */
export type WorkerView = Extract<AppEvent, { type: 'workers' }>['data']['workers'][number];
export type Submitted = { id: string; cells: { id: string; config: CellConfig }[] };
export type Comparison = Pick<CellComparison, 'method' | 'metrics'> & {
  a: ExperimentResults['cells'][number];
  b: ExperimentResults['cells'][number];
  aa: NoiseFloor | null;
};
export type CancelOutcome = { id: string; cancelled: number; queued: number; running: number; removedJobs: number };
/** One server-sent event of `GET /v1/events` (`experiment` or `workers`), data still JSON text. */
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

/** The api over HTTP, one method per route the CLI uses; answers typed with the api's own types. */
export function createClient(config: CliConfig) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...extra,
    ...(config.token ? { authorization: `Bearer ${config.token}` } : {}),
  });
  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${config.api}${path}`, {
        method,
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(
        0,
        'network',
        `the api at ${config.api} did not answer (${(err as Error).cause ?? (err as Error).message}); start it with \`npm run api\` or pass --api`,
      );
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
      throw new ApiError(
        res.status,
        typeof b.error === 'string' ? b.error : 'http_error',
        message,
        Array.isArray(b.issues) ? (b.issues as MatrixIssue[]) : [],
      );
    }
    return parsed as T;
  }
  const id = encodeURIComponent;
  return {
    api: config.api,
    submit: (matrix: unknown) => request<Submitted>('POST', '/v1/experiments', matrix),
    experiment: (experimentId: string) => request<ExperimentView>('GET', `/v1/experiments/${id(experimentId)}`),
    results: (experimentId: string) => request<ExperimentResults>('GET', `/v1/experiments/${id(experimentId)}/results`),
    cancel: (experimentId: string) => request<CancelOutcome>('POST', `/v1/experiments/${id(experimentId)}/cancel`),
    tokens: (cellId: string) => request<CellTokens>('GET', `/v1/cells/${id(cellId)}/tokens`),
    compare: (a: string, b: string) => request<Comparison>('GET', `/v1/compare?a=${id(a)}&b=${id(b)}`),
    workers: () => request<{ workers: WorkerView[] }>('GET', '/v1/workers'),
    events: (signal: AbortSignal) => serverEvents(`${config.api}/v1/events`, headers(), signal),
  };
}

export type ApiClient = ReturnType<typeof createClient>;

/** `text/event-stream` parsed into events (comments and `retry:` lines skipped); ends when the stream does. */
async function* serverEvents(url: string, headers: Record<string, string>, signal: AbortSignal): AsyncGenerator<ServerEvent> {
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
  if (!res.ok || res.body === null) throw new ApiError(res.status, 'http_error', `GET /v1/events answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
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
