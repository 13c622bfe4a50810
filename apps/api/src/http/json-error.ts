import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the api returns: a stable machine code, a sentence for people, and optional detail. */
export function jsonError(c: Context, status: ContentfulStatusCode, error: string, message: string, extra: Record<string, unknown> = {}) {
  return c.json({ error, message, ...extra }, status);
}
