/** A non-2xx answer of the api, with its `{ error, message, issues? }` body when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
  /** The route itself is missing (an older api), as opposed to an unknown id. */
  get routeMissing(): boolean {
    return this.status === 501 || (this.status === 404 && this.message.startsWith('no route for'));
  }
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
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
    const b = (body ?? {}) as Record<string, unknown>;
    const message = typeof b['message'] === 'string' ? b['message'] : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, typeof b['error'] === 'string' ? b['error'] : 'http_error', message, b);
  }
  return body as T;
}

export const getJson = <T>(path: string): Promise<T> => request<T>(path);

/** `token`: a write token, for an api started with write tokens configured (reads stay open). */
export const postJson = <T>(path: string, body: string, token = ''): Promise<T> =>
  request<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
