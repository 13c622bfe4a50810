// The HTML report in a real Chromium: its charts are drawn (inline SVG with series in them) and the
// experiment's name and prompts, which carry markup, appear as those characters and never run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DbHandle, openDb } from '@inferlab/db';
import { renderReportHtml } from '@inferlab/report';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { HOSTILE_NAME, HOSTILE_PROMPT, syntheticReportInput } from '../helpers/report-input.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOT_DIR = process.env.INFERLAB_SCREENSHOTS === '1' ? join(ROOT, 'docs') : join(ROOT, 'data/screenshots');

let browser: Awaited<ReturnType<typeof launchChromium>>;
let dir: string;
let handle: DbHandle;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  browser = await launchChromium({ width: 1200, height: 900 });
  dir = mkdtempSync(join(tmpdir(), 'inferlab-report-browser-'));
  handle = openDb(join(dir, 'inferlab.sqlite'));
  const file = join(dir, 'report.html');
  writeFileSync(file, renderReportHtml(await syntheticReportInput(handle.db)));
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`file://${file}`);
});
afterAll(async () => {
  await browser?.close();
  handle?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HTML report in Chromium', () => {
  it('draws every chart as an SVG with its series', async () => {
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((fig) => {
        const svg = fig.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: fig.id,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          series: svg?.querySelectorAll('.series, .bar').length ?? 0,
          download: fig.querySelector('a[download]')?.getAttribute('href')?.slice(0, 24) ?? '',
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual([
      'chart-e2el-cdf',
      'chart-ttft-cdf',
      'chart-itl-by-position',
      'chart-tokens-per-s',
      'chart-speed-vs-quality',
    ]);
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(300);
      expect(c.height, c.id).toBeGreaterThan(60);
      expect(c.download, c.id).toBe('data:image/svg+xml;chars');
    }
    // Two done cells: two CDF steps and ITL lines, three bars (the queued cell's is empty), one quality point.
    expect(charts.map((c) => c.series)).toEqual([2, 2, 2, 3, 1]);
  });

  it('shows the name and the prompts as text: no script ran, no element was injected', async () => {
    expect(await page.textContent('#experiment-name')).toBe(HOSTILE_NAME);
    expect(await page.title()).toBe(`inferlab report: ${HOSTILE_NAME}`);
    expect(await page.$$eval('#prompts li', (lis) => lis.map((li) => li.textContent))).toEqual([HOSTILE_PROMPT, 'b']);
    expect(await page.textContent('#matrix pre')).toContain(HOSTILE_PROMPT.replace(/"/g, '\\"'));
    const injected = await page.evaluate(() => ({
      scripts: document.scripts.length,
      images: document.images.length,
      bold: document.querySelectorAll('b').length,
    }));
    expect(injected).toEqual({ scripts: 0, images: 0, bold: 0 });
    expect(dialogs).toEqual([]);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true });
  });
});
