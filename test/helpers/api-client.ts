// HTTP helpers for end-to-end tests against a running api. Their types are the api's own route
// types (hono/client on AppType): no hand copy of an answer lives here.
import { hc, type InferResponseType } from 'hono/client';
import type { AppType } from '../../apps/api/src/app.ts';

type Client = ReturnType<typeof hc<AppType>>;
/** A route's successful answer (errors are `{ error, message }`). */
type Ok<R> = R extends (...args: never[]) => unknown ? Exclude<InferResponseType<R>, { error: string; message: string }> : never;
/** What an error answer adds: tests read `body.error` and `body.issues` after a refused request. */
type ErrorFields = { error?: string; message?: string; issues?: { path: string; message: string }[]; issueCount?: number };

export type Submitted = Ok<Client['v1']['experiments']['$post']>;
export type ExperimentView = Ok<Client['v1']['experiments'][':id']['$get']>;
export type Progress = ExperimentView['progress'];
export type ExperimentResults = Ok<Client['v1']['experiments'][':id']['results']['$get']>;
export type CellTokens = Ok<Client['v1']['cells'][':id']['tokens']['$get']>;
export type CancelOutcome = Ok<Client['v1']['experiments'][':id']['cancel']['$post']>;
export type WorkersList = Ok<Client['v1']['workers']['$get']>;
export type DistillJobs = Ok<Client['v1']['distill']['$get']>;
export type DistillJob = Ok<Client['v1']['distill'][':id']['$get']>;
export type DistillSubmitted = Ok<Client['v1']['distill']['$post']>;
export type TrainJob = Ok<Client['v1']['train'][':id']['$get']>;
export type TrainSubmitted = Ok<Client['v1']['train']['$post']>;
export type TrainCancelled = Ok<Client['v1']['train'][':id']['cancel']['$post']>;

/** The answer of `GET <url>`, by the route its path names (most specific first). */
export type GetBody<U extends string> = U extends `${string}/v1/experiments/${string}/results`
  ? ExperimentResults
  : U extends `${string}/v1/cells/${string}/tokens`
    ? CellTokens
    : U extends `${string}/v1/distill` | `${string}/v1/distill?${string}`
      ? DistillJobs
      : U extends `${string}/v1/distill/${string}`
        ? DistillJob
        : U extends `${string}/v1/train/${string}`
          ? TrainJob
          : U extends `${string}/v1/experiments/${string}`
            ? ExperimentView
            : U extends `${string}/v1/workers`
              ? WorkersList
              : unknown;

/** The answer of `POST <url>`, success fields and error fields both, since tests check `status` themselves. */
export type PostBody<U extends string> = ErrorFields &
  (U extends `${string}/v1/experiments/${string}/cancel`
    ? CancelOutcome
    : U extends `${string}/v1/experiments`
      ? Submitted
      : U extends `${string}/v1/distill`
        ? DistillSubmitted
        : U extends `${string}/v1/train/${string}/cancel`
          ? TrainCancelled
          : U extends `${string}/v1/train`
            ? TrainSubmitted
            : unknown);

/** The typed client itself, for tests that want path parameters checked too. */
export function apiClient(apiUrl: string): Client {
  return hc<AppType>(apiUrl);
}

export async function postJson<U extends string>(url: U, body: unknown): Promise<{ status: number; body: PostBody<U> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as PostBody<U> };
}

/**
 * `GET <url>`'s JSON. Untyped unless asked (`getJson<ExperimentResults>(url)` or `GetBody<typeof url>`):
 * the api's types say which fields may be null or missing, and the older tests index results
 * without narrowing; they adopt the api's types one by one.
 */
export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls until every cell is done or failed (or the predicate holds). */
export async function waitForExperiment(
  apiUrl: string,
  id: string,
  timeoutMs: number,
  until: (e: ExperimentView) => boolean = (e) => e.progress.done + e.progress.failed >= e.progress.total,
): Promise<ExperimentView> {
  const api = apiClient(apiUrl);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.v1.experiments[':id'].$get({ param: { id } });
    if (!res.ok) throw new Error(`GET /v1/experiments/${id}: ${res.status} ${await res.text()}`);
    const e = (await res.json()) as ExperimentView;
    if (until(e)) return e;
    if (Date.now() > deadline) throw new Error(`experiment ${id} not finished in ${timeoutMs} ms: ${JSON.stringify(e.progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const SEED_PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';

/**
 * Submits a one-variant gpt2-tiny experiment on the seed prompt (1 thread, no warmup) and waits
 * until its first cell is running: the start of every fault test.
 */
export async function submitAndWaitRunning(
  apiUrl: string,
  matrix: { variants: { dtype: string; cache: boolean }[]; maxNewTokens: number[]; repetitions: number },
): Promise<string> {
  const created = await postJson(`${apiUrl}/v1/experiments`, {
    models: ['forge:gpt2-tiny'],
    prompts: [SEED_PROMPT],
    threads: [1],
    warmup: 0,
    ...matrix,
  });
  if (created.status !== 201) throw new Error(`submit failed (${created.status}): ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  await waitForExperiment(apiUrl, id, 120_000, (e) => e.progress.running === 1);
  return id;
}
