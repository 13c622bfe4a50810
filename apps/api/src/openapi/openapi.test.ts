import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.ts';
import { createAppFixture } from '../test-harness.ts';
import { DOCS_CSP } from './docs-routes.ts';
import { OPENAPI_PATH } from './openapi-document.ts';

// Not in the document: the document itself (and /docs, the page that shows it, is outside /v1).
const UNDESCRIBED = new Set([`GET ${OPENAPI_PATH}`]);
// The answers that are not JSON, and their media types; every other 2xx answer is JSON with a schema.
const NOT_JSON: Record<string, string[]> = {
  'GET /v1/experiments/{id}/report': ['text/html', 'text/markdown'],
  'GET /v1/events': ['text/event-stream'],
};

type Schema = Record<string, unknown>;
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document that describes every route the app serves', async () => {
    const f = createAppFixture(null, { events: createEventBus() });
    try {
      const res = await f.app.request(OPENAPI_PATH);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Doc;
      expect(doc.openapi).toBe('3.1.0');
      const result = await new Validator().validate(doc);
      expect(result.errors).toBeUndefined();
      expect(result.valid).toBe(true);

      const served = f.app.routes
        .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/v1/') || r.path === '/healthz'))
        .map((r) => `${r.method} ${r.path.replace(/\/$/, '').replace(/:(\w+)/g, '{$1}')}`)
        .filter((route) => !UNDESCRIBED.has(route));
      expect(served.length).toBeGreaterThan(20);
      const described = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      expect(served.filter((route) => !described.includes(route))).toEqual([]);

      // Every success answer says what it carries: a JSON schema from the zod schemas, or its text media type.
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      );
      const missing = operations.flatMap(({ route, op }) => {
        const successes = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
        if (successes.length === 0) return [`${route}: no 2xx answer`];
        return successes.flatMap(([status, answer]) => {
          const types = Object.keys(answer.content ?? {});
          const expected = NOT_JSON[route] ?? ['application/json'];
          if (types.join() !== expected.join())
            return [`${route} ${status}: media types ${types.join() || 'none'}, expected ${expected.join()}`];
          const empty = types.filter((t) => Object.keys(answer.content?.[t]?.schema ?? {}).length === 0);
          return empty.map((t) => `${route} ${status}: no schema for ${t}`);
        });
      });
      expect(missing).toEqual([]);
      // JSON answers are objects with named fields (or a choice of such objects), not `{}` or `any`.
      const shapeless = operations.filter(({ route, op }) => {
        if (NOT_JSON[route]) return false;
        const schema = Object.entries(op.responses ?? {}).find(([status]) => /^2/.test(status))?.[1].content?.['application/json']?.schema;
        return !isShaped(doc, schema);
      });
      expect(shapeless.map((o) => o.route)).toEqual([]);

      // Bodies and answers come from the zod schemas, not empty placeholders.
      const schemaOf = (op: unknown, ...keys: string[]) =>
        keys.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], op) as { properties?: Record<string, unknown> };
      const submit = doc.paths['/v1/experiments']?.post;
      expect(Object.keys(schemaOf(submit, 'requestBody', 'content', 'application/json', 'schema').properties ?? {})).toContain('models');
      const results = doc.paths['/v1/experiments/{id}/results']?.get;
      expect(schemaOf(results, 'responses', '200', 'content', 'application/json', 'schema').properties).toHaveProperty('cells');
    } finally {
      f.close();
    }
  });
});

/** An object schema with properties, a `$ref` to one, or a union whose every member is one. */
function isShaped(doc: Doc, schema: Schema | undefined): boolean {
  if (schema === undefined) return false;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
    return isShaped(doc, target as Schema | undefined);
  }
  const union = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (union) return union.length > 0 && union.every((member) => isShaped(doc, member));
  return schema['type'] === 'object' && Object.keys((schema['properties'] as Schema | undefined) ?? {}).length > 0;
}

describe('GET /docs', () => {
  it('is Swagger UI from local assets under a CSP that allows scripts from self only', async () => {
    const f = createAppFixture(null);
    try {
      const page = await f.app.request('/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toBe(DOCS_CSP);
      const html = await page.text();
      expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
      expect(html).not.toMatch(/https?:\/\//);

      const bundle = await f.app.request('/docs/assets/swagger-ui-bundle.js');
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await bundle.text()).toContain('SwaggerUIBundle');
      const init = await (await f.app.request('/docs/init.js')).text();
      expect(init).toContain(OPENAPI_PATH);
      expect((await f.app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
      // Open mode: a DNS-rebinding page (foreign Host) gets neither the page nor the document.
      expect((await f.app.request('http://rebind.example/docs')).status).toBe(403);
      expect((await f.app.request(`http://rebind.example${OPENAPI_PATH}`)).status).toBe(403);
    } finally {
      f.close();
    }
  });
});
