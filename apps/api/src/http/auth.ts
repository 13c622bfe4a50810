import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { jsonError } from './json-error.ts';

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

function presentedToken(authorization: string | undefined, query: string | undefined, method: string): string | null {
  const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (m?.[1]) return m[1];
  // EventSource cannot send headers: reads may carry the token in the query string instead.
  if (READ_METHODS.has(method) && query) return query;
  return null;
}

export function accessControl(policy: AccessPolicy): MiddlewareHandler {
  const write = policy.writeTokens.map(digest);
  const read = policy.readTokens.map(digest);
  return async (c, next) => {
    const isRead = READ_METHODS.has(c.req.method);
    const needed = isRead ? read.length > 0 : write.length > 0;
    if (!needed) return next();
    const token = presentedToken(c.req.header('authorization'), c.req.query('access_token'), c.req.method);
    if (token === null) {
      return jsonError(c, 401, 'unauthorized', `${c.req.method} ${c.req.path} needs an API token: send "Authorization: Bearer <token>"`);
    }
    if (matchesAny(token, write)) return next();
    if (matchesAny(token, read)) {
      if (isRead) return next();
      return jsonError(c, 403, 'forbidden', `this token is read-only; ${c.req.method} ${c.req.path} needs a write token`);
    }
    return jsonError(c, 401, 'unauthorized', 'the API token is not valid');
  };
}

/** `redis://user:secret@host` → `redis://user:***@host`, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
