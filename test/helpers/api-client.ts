// HTTP helpers for end-to-end tests against a running api. Their types are the api's own route
// types, from @inferlab/client (the one typed client): no hand copy of an answer lives here.
import {
  answer,
  type CancelOutcome,
  createInferlabClient,
  type DistillSubmitted,
  type ExperimentBody,
  type InferlabClient,
  idParam,
  type Submitted,
  type TrainCancelled,
  type TrainSubmitted,
} from '@inferlab/client';

/** What an error answer adds: tests read `body.error` and `body.issues` after a refused request. */
type ErrorFields = { error?: string; message?: string; issues?: { path: string; message: string }[]; issueCount?: number };

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

/** The typed client itself, for tests that want paths, parameters and answers checked. */
export function apiClient(apiUrl: string): InferlabClient {
  return createInferlabClient({ baseUrl: apiUrl });
}

export async function postJson<U extends string>(url: U, body: unknown): Promise<{ status: number; body: PostBody<U> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as PostBody<U> };
}

/**
 * `GET <url>`'s JSON. Untyped unless asked (`getJson<ResultsBody>(url)`, types from @inferlab/client):
 * the api's types say which fields may be null or missing, and the older tests index results
 * without narrowing; they adopt the api's types one by one.
 */
export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls until every cell is done or failed (or the predicate holds); an unknown id rejects with its ApiError (404). */
export async function waitForExperiment(
  apiUrl: string,
  id: string,
  timeoutMs: number,
  until: (e: ExperimentBody) => boolean = (e) => e.progress.done + e.progress.failed >= e.progress.total,
): Promise<ExperimentBody> {
  const api = apiClient(apiUrl);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await answer(api.v1.experiments[':id'].$get(idParam(id)));
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
