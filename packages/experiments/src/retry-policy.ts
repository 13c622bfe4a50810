// Whether a failed cell or distill job is worth another attempt belongs to the error, not to a list
// of names kept elsewhere (BullMQ's UnrecoverableError idea). Every error class of ours extends one
// of these two; the worker asks isPermanent() at its boundary.

/** A retry cannot fix it: a config, a model or an input that is wrong. The job fails at once. */
export abstract class PermanentError extends Error {
  readonly permanent: boolean = true;
}

/** Something outside the cell failed (disk, memory, network, a crashed thread): the job is tried again. */
export abstract class RetryableError extends Error {
  readonly permanent: boolean = false;
}

// Node's socket and DNS codes, and undici's (fetch) own.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * A network blip anywhere in the `cause` chain: fetch's `TypeError: fetch failed`, a reset or timed
 * out socket, a DNS hiccup, an aborted-by-timeout request. A hub download that hit one is retried.
 */
export function isNetworkFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Object && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, message, code } = e as { name?: unknown; message?: unknown; code?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'TypeError' && message === 'fetch failed') return true;
    if (name === 'TimeoutError') return true;
  }
  return false;
}

/**
 * The retry policy of any thrown value: the error's own `permanent` when it has one (ours all do, and
 * errors carried across the inference thread keep it), else permanent only for a RangeError (an
 * argument out of range: a retry repeats it). Network failures are never permanent.
 */
export function isPermanent(err: unknown): boolean {
  if (isNetworkFailure(err)) return false;
  const own = (err as { permanent?: unknown } | null)?.permanent;
  if (typeof own === 'boolean') return own;
  return err instanceof RangeError;
}
