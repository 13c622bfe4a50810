import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DbHandle, openDb } from '@inferlab/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_NAME, HOSTILE_PROMPT, syntheticReportInput } from '../../../test/helpers/report-input.ts';
import { escapeHtml, escapeMarkdown } from './escape.ts';
import { renderReportHtml } from './render-html.ts';
import { renderReportMarkdown } from './render-markdown.ts';
import type { ReportInput } from './report-input.ts';

let dir: string;
let handle: DbHandle;
let input: ReportInput;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-report-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
  input = await syntheticReportInput(handle.db);
});
afterAll(() => {
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('renderReportHtml', () => {
  it('has every section, one inline SVG per chart and no script', () => {
    const html = renderReportHtml(input);
    for (const id of ['seed', 'percentiles', 'charts', 'cells', 'prompts', 'environment', 'matrix'])
      expect(html).toContain(`<section id="${id}">`);
    for (const chart of ['e2el-cdf', 'ttft-cdf', 'itl-by-position', 'tokens-per-s', 'speed-vs-quality'])
      expect(html).toContain(`<figure class="chart" id="chart-${chart}"><svg`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img|<b>/i);
    expect(html).toContain(escapeHtml(HOSTILE_NAME));
    expect(html).toContain(escapeHtml(HOSTILE_PROMPT));
  });

  it('shows the hand-worked numbers: E2EL p50 of the int8 cell with its CI, the seed row', () => {
    const html = renderReportHtml(input);
    const e2el = input.results.cells[0]?.e2el;
    expect(e2el?.p50).toBe(41); // E2EL 30, 32, 50, 56: linear interpolation halfway from 32 to 50
    expect(html).toContain('<td>41.0 [30.0, 56.0]</td>'); // the seeded bootstrap CI of the four values
    expect(html).toContain('<td>dtype=int8 cache=true kvLayout=in-place</td><td>done</td>');
    expect(html).toContain('<td>dtype=fp32 cache=true kvLayout=in-place</td><td>queued</td>');
  });

  it('renders the same bytes for the same input', () => {
    expect(renderReportHtml(input)).toBe(renderReportHtml(input));
  });
});

describe('renderReportMarkdown', () => {
  it('escapes user text so no markup or table break survives', () => {
    const md = renderReportMarkdown(input);
    expect(md).toContain(`# ${escapeMarkdown(HOSTILE_NAME)}`);
    expect(md).toContain(`1. ${escapeMarkdown(HOSTILE_PROMPT)}`);
    const outsideFence = md.split('```')[0] ?? '';
    expect(outsideFence).not.toMatch(/<script|<img|<b>/i);
    expect(md).toMatch(/\| cell \| status \| mode \|/);
  });
});

describe('escapeMarkdown', () => {
  it('neutralises pipes, newlines, emphasis and raw html', () => {
    expect(escapeMarkdown('a|b\n<i>*c*</i>')).toBe('a\\|b &lt;i&gt;\\*c\\*&lt;/i&gt;');
  });
});
