import type { MatrixIssue } from '@inferlab/experiments';

/** Every error body of the api (docs/contracts.md "HTTP"): a machine code, a sentence, optional detail. */
export type ErrorBody = { error: string; message: string };

/**
 * A refused or failed request: a non-2xx answer with its `{ error, message, issues? }` body, or
 * `status` 0 and `code` "network" when the api did not answer at all.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field messages of a refused body (400 invalid_matrix, invalid_distill_request, invalid_train_request). */
    readonly issues: MatrixIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The route itself is missing (an older api), as opposed to an unknown id. */
  get routeMissing(): boolean {
    return this.status === 501 || (this.status === 404 && this.message.startsWith('no route for'));
  }

  /** The api wants a token (401) or a better one (403). */
  get needsToken(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The ApiError of a non-2xx answer; `body` is its parsed JSON, or null (a proxy's HTML error page, say). */
export function apiErrorOf(res: { status: number; statusText: string }, body: unknown): ApiError {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message = typeof b['message'] === 'string' ? b['message'] : `${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, typeof b['error'] === 'string' ? b['error'] : 'http_error', message, issuesOf(b['issues']));
}

/** The well-formed `{ path, message }` entries of an `issues` field; anything else is dropped. */
function issuesOf(issues: unknown): MatrixIssue[] {
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((i: unknown) =>
    typeof i === 'object' && i !== null && 'path' in i && 'message' in i ? [{ path: String(i.path), message: String(i.message) }] : [],
  );
}

/** The api did not answer (refused, reset, DNS): status 0, what happened, and `hint` (what to do about it). */
export function networkError(baseUrl: string, err: unknown, hint: string): ApiError {
  const e = err as Error & { cause?: { message?: string } };
  // Node's fetch says only "fetch failed"; the reason (connect ECONNREFUSED 127.0.0.1:8787) is its cause.
  const why = e.cause?.message ?? e.message ?? String(err);
  const where = baseUrl === '' ? 'the api' : `the api at ${baseUrl}`;
  return new ApiError(0, 'network', `${where} did not answer (${why})${hint ? `; ${hint}` : ''}`, [], { cause: err });
}
