import type { Context } from 'hono';
import { jsonError } from './json-error.ts';
import { jsonShape, MAX_JSON_FIELDS, MAX_JSON_ITEMS } from './json-shape.ts';

/**
 * The body as JSON, or the 400 to return. Its size is bounded already (bodyLimits); here its shape
 * is too — more fields or list items than any valid body has is refused before it is built.
 */
/** A typed `{ error, message }` answer, not a plain `Response`: a route returning it keeps its inferred answer for hono/client. */
export type JsonErrorResponse = ReturnType<typeof jsonError>;

export async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: JsonErrorResponse }> {
  const text = await c.req.text();
  const shape = jsonShape(text);
  if (shape.tooLarge) {
    const message = `the body has over ${MAX_JSON_FIELDS} fields or ${MAX_JSON_ITEMS} list items; no valid request has that many`;
    return { ok: false, response: jsonError(c, 400, 'body_too_complex', message, { issues: [], issueCount: 1 }) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // A parse error can quote the body: keep the sentence short.
    const why = (err as Error).message.slice(0, 200);
    return { ok: false, response: jsonError(c, 400, 'invalid_json', `the request body is not valid JSON: ${why}`) };
  }
}
