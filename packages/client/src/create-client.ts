// Only the api's types come in (`import type`): a bundle of this client holds hono/client and
// these few lines, never the api's code (.dependency-cruiser.cjs checks the import is type-only).
import type { AppType } from '@inferlab/api/src/app.ts';
import { hc } from 'hono/client';
import { networkError } from './api-error.ts';

/** Where the api is and which bearer token each request sends. */
export type ClientOptions = {
  /** `http://127.0.0.1:8787`; '' for the page's own origin (the dashboard). */
  baseUrl: string;
  /** The token of a read (GET, HEAD); asked per request, so a token entered later applies at once. */
  readToken?: () => string | null | undefined;
  /** The token of a write (POST); the dashboard keeps it apart from the read token. */
  writeToken?: () => string | null | undefined;
  /** What to do when the api does not answer, appended to that ApiError's message. */
  unreachableHint?: string;
  /** The fetch to send with; the global one by default. */
  fetch?: typeof fetch;
};

/** Every route of the api as a typed call: `client.v1.experiments[':id'].$get(idParam(id))`. */
export type InferlabClient = ReturnType<typeof hc<AppType>>;

const READS = new Set(['GET', 'HEAD']);

/**
 * The api through hono/client on its exported AppType: paths, parameters and answers are checked
 * against the routes at compile time. Each request carries the read or the write token by its
 * method, and a request the api never answered rejects with ApiError status 0 (code "network").
 */
export function createInferlabClient(options: ClientOptions): InferlabClient {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const withToken: typeof fetch = async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const token = READS.has(method) ? options.readToken?.() : options.writeToken?.();
    // `init.headers` may replace the client's (hc's `init` wins): the token is added here, after it.
    const headers = new Headers(init?.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    try {
      return await send(input, { ...init, headers });
    } catch (err) {
      // An abort is the caller's own doing, not the api's silence.
      if ((err as Error).name === 'AbortError') throw err;
      throw networkError(options.baseUrl, err, options.unreachableHint ?? '');
    }
  };
  return hc<AppType>(options.baseUrl, { fetch: withToken });
}

/**
 * A path parameter, percent-encoded: hono/client puts `param` values into the path as they are, so
 * an id typed into a URL (`a/../b`, `x?y`) would otherwise reach another route.
 */
export const idParam = (id: string): { param: { id: string } } => ({ param: { id: encodeURIComponent(id) } });

/**
 * A POST body sent as the caller wrote it (the matrix text of the Submit page): the api parses and
 * validates it and answers field by field, so the client does not parse it first.
 */
export const jsonText = (text: string): { init: RequestInit } => ({
  init: { body: text, headers: { 'content-type': 'application/json' } },
});
