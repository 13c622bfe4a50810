/** A non-2xx answer of the api, with its `{ error, message, issues? }` body when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: ApiErrorBody = {},
  ) {
    super(message);
  }
  /** The route itself is missing (an older api), as opposed to an unknown id. */
  get routeMissing(): boolean {
    return this.status === 501 || (this.status === 404 && this.message.startsWith('no route for'));
  }
  /** The api wants a token (401) or a better one (403): the Access page is where to enter it. */
  get needsToken(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** What the api's error bodies may carry besides `error` and `message` (docs/contracts.md "HTTP"). */
export type ApiErrorBody = { error?: unknown; message?: unknown; issues?: unknown };

/** The `{ path, message }` list of a validation answer (400 invalid_matrix / invalid_distill_request). */
export function issuesOf(err: ApiError): { path: string; message: string }[] {
  if (!Array.isArray(err.body.issues)) return [];
  return err.body.issues.flatMap((i: unknown) =>
    typeof i === 'object' && i !== null && 'path' in i && 'message' in i ? [{ path: String(i.path), message: String(i.message) }] : [],
  );
}
