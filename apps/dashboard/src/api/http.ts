import { accessTokens, readHeaderToken } from './access-tokens.ts';
import { ApiError, type ApiErrorBody } from './api-error.ts';

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', `the api did not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // a proxy's HTML error page, say
  }
  if (!res.ok) {
    const b: ApiErrorBody = typeof body === 'object' && body !== null ? body : {};
    const message = typeof b.message === 'string' ? b.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, typeof b.error === 'string' ? b.error : 'http_error', message, b);
  }
  // The api's answers are typed by @inferlab/experiments (api-views); the api builds them from the same types.
  return body as T;
}

const bearer = (token: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** A read, with the read (or write) token as a header when one is set. */
export const getJson = <T>(path: string): Promise<T> => request<T>(path, { headers: bearer(readHeaderToken()) });

/** A write (submit, cancel, distill), with the write token when one is set. */
export const postJson = <T>(path: string, body: string): Promise<T> =>
  request<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(accessTokens().write) },
    body,
  });
