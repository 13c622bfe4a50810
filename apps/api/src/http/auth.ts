import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { type AuthFailures, authFailures } from './auth-failures.ts';
import { jsonError } from './json-error.ts';
import { setPrincipal, tokenPrincipal } from './principal.ts';

/**
 * Who may do what. Writes (submit, cancel, re-enqueue) need a write token when any is configured;
 * reads need a read or write token only when read tokens are configured (open by default).
 */
export type AccessPolicy = { writeTokens: readonly string[]; readTokens: readonly string[] };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares against every token, always all of them, on fixed-length digests: no timing signal. */
function matchesAny(candidate: string, tokens: readonly Buffer[]): boolean {
  const c = digest(candidate);
  let found = false;
  for (const t of tokens) found = timingSafeEqual(c, t) || found;
  return found;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The client's address (node-server); in-process requests (tests) are one client. */
function clientOf(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'in-process';
}

export function accessControl(policy: AccessPolicy, options: { failures?: AuthFailures } = {}): MiddlewareHandler {
  const write = policy.writeTokens.map(digest);
  const read = policy.readTokens.map(digest);
  const failures = options.failures ?? authFailures();
  return async (c, next) => {
    const isRead = READ_METHODS.has(c.req.method);
    const needed = isRead ? read.length > 0 : write.length > 0;
    if (!needed) {
      const header = bearer(c.req.header('authorization'));
      if (header !== null && matchesAny(header, write)) setPrincipal(c, tokenPrincipal(header));
      return next();
    }
    const client = clientOf(c);
    const wait = failures.retryAfterS(client);
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return jsonError(c, 429, 'too_many_failed_authentications', `too many failed authentications from this address; retry in ${wait} s`);
    }
    const fail = (status: 401 | 403, error: string, message: string) => {
      failures.record(client);
      return jsonError(c, status, error, message);
    };
    const header = bearer(c.req.header('authorization'));
    // EventSource cannot send headers: reads may carry a read token in the query string. Never a
    // write token: URLs end up in logs, histories and Referer headers.
    const query = isRead ? (c.req.query('access_token') ?? null) : null;
    if (header === null && query === null) {
      return fail(401, 'unauthorized', `${c.req.method} ${c.req.path} needs an API token: send "Authorization: Bearer <token>"`);
    }
    if (header !== null) {
      if (matchesAny(header, write)) {
        setPrincipal(c, tokenPrincipal(header));
        return next();
      }
      if (matchesAny(header, read)) {
        if (isRead) return next();
        return fail(403, 'forbidden', `this token is read-only; ${c.req.method} ${c.req.path} needs a write token`);
      }
      return fail(401, 'unauthorized', 'the API token is not valid');
    }
    if (query !== null && matchesAny(query, read)) return next();
    if (query !== null && matchesAny(query, write)) {
      return fail(401, 'unauthorized', 'a write token is never accepted in the query string (send it as "Authorization: Bearer <token>")');
    }
    return fail(401, 'unauthorized', 'the API token is not valid');
  };
}

function bearer(authorization: string | undefined): string | null {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return m?.[1] ?? null;
}

/** `redis://user:secret@host` → `redis://user:***@host`, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
