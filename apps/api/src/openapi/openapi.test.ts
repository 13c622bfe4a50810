import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.ts';
import { createAppFixture } from '../test-harness.ts';
import { DOCS_CSP } from './docs-routes.ts';
import { OPENAPI_PATH } from './openapi-document.ts';

// Not in the document: the document itself, the page that shows it, and the SSE stream — an
// EventSource endpoint that OpenAPI 3.1 cannot describe as more than an opaque text body.
const UNDESCRIBED = new Set([`GET ${OPENAPI_PATH}`, 'GET /v1/events']);

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };

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
