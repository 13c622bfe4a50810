import type { ClientResponse } from 'hono/client';
import { apiErrorOf, type ErrorBody } from './api-error.ts';

/** A route's answer without its error bodies: what a 2xx carries. */
export type Ok<T> = Exclude<T, ErrorBody>;

/** The success body of a typed request's response (every status the route answers, errors removed). */
// biome-ignore lint/suspicious/noExplicitAny: any status, any format — only the body type is kept
export type OkBody<R> = R extends ClientResponse<infer T, any, any> ? Ok<T> : never;

/**
 * The JSON of a 2xx answer, typed by the route; any other answer rejects with its ApiError:
 * `await answer(client.v1.experiments[':id'].$get(idParam(id)))`.
 */
// biome-ignore lint/suspicious/noExplicitAny: see OkBody
export async function answer<R extends ClientResponse<unknown, any, any>>(request: Promise<R>): Promise<OkBody<R>> {
  const res = await request;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: a proxy's HTML error page, say; the status says what happened
  }
  if (!res.ok) throw apiErrorOf(res, body);
  return body as OkBody<R>;
}
