import { getCellTokens, getExperiment, getExperimentResults } from '@inferlab/db';
import { assembleReportInput, REPORT_CSP, renderReportHtml, renderReportMarkdown } from '@inferlab/report';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/**
 * `GET /v1/experiments/:id/report[?format=html|markdown]`: one self-contained file (tables, inline
 * SVG charts, environment, matrix) rendered by @inferlab/report, the same code as `inferlab report`.
 */
export function reportRoutes(deps: Pick<AppDeps, 'db' | 'now'>) {
  return new Hono().get('/:id/report', DOCS.experimentReport, async (c) => {
    const format = c.req.query('format') ?? 'html';
    if (format !== 'html' && format !== 'markdown')
      return jsonError(c, 400, 'invalid_query', `format must be html or markdown, got ${JSON.stringify(format)}`);
    const id = c.req.param('id');
    const input = await assembleReportInput(
      {
        experiment: (x) => getExperiment(deps.db, x),
        results: (x) => getExperimentResults(deps.db, x),
        tokens: (cellId) => getCellTokens(deps.db, cellId)?.requests ?? null,
      },
      id,
      (deps.now?.() ?? new Date()).toISOString(),
    );
    if (input === null) return jsonError(c, 404, 'not_found', `no experiment with id "${id}"`);
    const file = `inferlab-report-${id.replace(/[^\w.-]/g, '_')}.${format === 'html' ? 'html' : 'md'}`;
    c.header('content-disposition', `inline; filename="${file}"`);
    if (format === 'markdown') return c.body(renderReportMarkdown(input), 200, { 'content-type': 'text/markdown; charset=utf-8' });
    return c.body(renderReportHtml(input), 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': REPORT_CSP });
  });
}
