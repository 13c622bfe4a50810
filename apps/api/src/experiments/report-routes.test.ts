import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_NAME, syntheticReportInput } from '../../../../test/helpers/report-input.ts';
import { type AppFixture, createAppFixture } from '../test-harness.ts';

let f: AppFixture;
beforeAll(async () => {
  f = createAppFixture(null);
  await syntheticReportInput(f.db); // experiment "exp-report": two done cells, one queued
});
afterAll(() => f.close());

describe('GET /v1/experiments/:id/report', () => {
  it('answers one self-contained HTML file with inline SVG charts, under a CSP without scripts', async () => {
    const res = await f.app.request('/v1/experiments/exp-report/report');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|src="http|href="http/i);
    expect(html).toContain('<h1 id="experiment-name">cache &lt;script&gt;');
  });

  it('answers markdown with ?format=markdown, the name escaped', async () => {
    const res = await f.app.request('/v1/experiments/exp-report/report?format=markdown');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const md = await res.text();
    expect(md.split('\n')[0]).toBe('# cache &lt;script&gt;alert("name")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(md).not.toContain(HOSTILE_NAME.slice(6));
  });

  it('refuses an unknown format and an unknown experiment with JSON errors', async () => {
    const bad = await f.app.request('/v1/experiments/exp-report/report?format=pdf');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_query' });
    const missing = await f.app.request('/v1/experiments/nope/report');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
