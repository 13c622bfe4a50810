import { createHash } from 'node:crypto';
import type { Context } from 'hono';

// Who sent a request, for quotas: a token's digest prefix (never the token), or `open` without
// tokens. Kept per request context (bodyLimit replaces c.req.raw), so route factories need no
// typed Hono env.
const principals = new WeakMap<Context, string>();

export const OPEN_PRINCIPAL = 'open';

export function tokenPrincipal(token: string): string {
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

export function setPrincipal(c: Context, principal: string): void {
  principals.set(c, principal);
}

export function principalOf(c: Context): string {
  return principals.get(c) ?? OPEN_PRINCIPAL;
}
