// Browsing in a real Chromium against the real platform (api + recorder + redis, no worker): the
// History view's trends and regression flag, what the model said (as text), and the experiments
// list's filters and paging. The database is written with packages/db's writers before the api starts.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { experimentListPageSchema, experimentOutputsSchema, historyOfKeySchema, historyOverviewSchema } from '@inferlab/experiments';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../scripts/lib/platform.ts';
import { type BrowseSeed, HOSTILE_TEXT, startBrowsePlatform } from '../helpers/browse-seed.ts';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SCREENSHOT_DIR = process.env.INFERLAB_SCREENSHOTS === '1' ? join(ROOT, 'docs') : join(ROOT, 'data/screenshots');
const WAIT = { timeout: 60_000 };

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let seed: BrowseSeed;
let stopPlatform: (() => Promise<void>) | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  buildDashboard();
  const started = await startBrowsePlatform('inferlab-browse-');
  ({ platform, seed, stop: stopPlatform } = started);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stopPlatform?.();
});

const api = async (path: string) => (await fetch(`${platform.apiUrl}${path}`)).json();

/** Canvas pixels within `tol` of an RGB colour at an opacity in `alpha` (the canvas is transparent: a band is its colour, faint). */
async function pixels(
  page: Page,
  chart: string,
  rgb: [number, number, number],
  tol: number,
  alpha: [number, number] = [200, 255],
): Promise<number> {
  const canvas = page.locator(`figure[data-chart="${chart}"] canvas`);
  await canvas.waitFor(WAIT);
  return canvas.evaluate(
    (el: HTMLCanvasElement, [r, g, b, t, aLo, aHi]) => {
      const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs(data[i]! - r) <= t &&
          Math.abs(data[i + 1]! - g) <= t &&
          Math.abs(data[i + 2]! - b) <= t &&
          data[i + 3]! >= aLo &&
          data[i + 3]! <= aHi
        )
          n++;
      }
      return n;
    },
    [...rgb, tol, ...alpha] as [number, number, number, number, number, number],
  );
}

async function openPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${platform.apiUrl}${path}`);
  return { page, errors };
}

describe('browsing', () => {
  it('History: a trend per metric with CI bands per hardware, the slower run flagged and linked', async () => {
    // The shapes the view reads are the ones @inferlab/experiments declares.
    const overview = historyOverviewSchema.parse(await api('/v1/history'));
    expect(overview.regressions.map((r) => r.cellId)).toEqual([seed.slowCellId]);
    const key = overview.keys[0]?.key ?? '';
    historyOfKeySchema.parse(await api(`/v1/history?key=${key}`));

    const { page, errors } = await openPage('/history');
    await page.locator('[data-testid="history-keys"] tr[data-key]').first().waitFor(WAIT);
    expect(await page.locator('[data-testid="history-keys"] tr[data-key] td.num').first().textContent()).toBe('6');
    expect(await page.locator('header nav a.active').textContent()).toBe('History');

    // The latest regressions: what got slower, by how much, with its CI, p and the noise floor.
    const flagged = page.locator(`[data-testid="regressions"] li[data-cell="${seed.slowCellId}"]`).first();
    await flagged.waitFor(WAIT);
    expect(await flagged.locator('li[data-metric="e2el"]').textContent()).toMatch(
      /^E2EL \d[\d.]*× \[\d[\d.]*, \d[\d.]*\] · p (=|<) [\d.]+ · (noise floor \d[\d.]*%|no noise floor yet)$/,
    );

    // Trends: four charts, each a line per hardware over a filled CI band, and a ring on the slow run.
    for (const metric of ['ttft', 'tpot', 'e2el', 'tokensPerS'])
      await page.locator(`figure[data-chart="trend-${metric}"] canvas`).waitFor(WAIT);
    expect(await page.locator('figure[data-chart="trend-e2el"] .u-legend').textContent()).toContain('host-a');
    expect(await page.locator('figure[data-chart="trend-e2el"] .u-legend').textContent()).toContain('host-b');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-history.png'), fullPage: true });
    // Band: #0072B2 at alpha 0x33 (51); line: #0072B2 opaque; ring: #C00000.
    expect(await pixels(page, 'trend-e2el', [0, 114, 178], 10, [40, 65]), 'CI band').toBeGreaterThan(500);
    expect(await pixels(page, 'trend-e2el', [0, 114, 178], 30), 'median line').toBeGreaterThan(50);
    expect(await pixels(page, 'trend-e2el', [192, 0, 0], 40), 'regression ring').toBeGreaterThan(20);

    const rows = page.locator('[data-testid="history-runs"] tbody tr');
    expect(await rows.count()).toBe(6);
    expect(await page.locator('[data-testid="history-runs"] tr[data-regression="yes"]').getAttribute('data-cell')).toBe(seed.slowCellId);
    // tokens/s is flagged as slower, and its plotted value (median N_out / E2EL) is lower too.
    const previous = seed.historyCells.filter((c) => c.host === 'host-a').at(-2)?.cellId ?? '';
    const tokensPerS = async (cellId: string) =>
      Number(await page.locator(`[data-testid="history-runs"] tr[data-cell="${cellId}"] td[data-col="tokensPerS"]`).textContent());
    expect(await tokensPerS(seed.slowCellId)).toBeLessThan(0.8 * (await tokensPerS(previous)));

    // Compare with previous: the slow run against the host-a run before it.
    await page.locator(`[data-testid="history-runs"] tr[data-cell="${seed.slowCellId}"] a[data-role="compare-previous"]`).click();
    await page.waitForURL(/\/compare\?/, WAIT);
    const url = new URL(page.url());
    expect([url.searchParams.get('a'), url.searchParams.get('b')]).toEqual([previous, seed.slowCellId]);
    await page.locator('[data-testid="significance"] tr[data-metric="e2el"]').waitFor(WAIT);

    // Each run links to its cell: the experiment page with that cell's row marked.
    await page.goBack();
    await page.locator(`[data-testid="history-runs"] tr[data-cell="${seed.slowCellId}"] td a`).first().click();
    await page.waitForURL(/\/experiments\/[^/?]+\?cell=/, WAIT);
    await page.locator(`table.cells tr.focused[data-cell="${seed.slowCellId}"]`).waitFor(WAIT);

    // So does each point: a click at the right edge of a trend is the newest run, the slow one.
    await page.goBack();
    const over = page.locator('figure[data-chart="trend-e2el"] .u-over');
    await over.waitFor(WAIT);
    const box = await over.boundingBox();
    await over.click({ position: { x: (box?.width ?? 2) - 2, y: (box?.height ?? 2) / 2 } });
    await page.waitForURL((u) => u.searchParams.get('cell') === seed.slowCellId, WAIT);

    // Phone width: nothing wider than the screen but the scrollable tables.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${platform.apiUrl}/history`);
    await page.locator('figure[data-chart="trend-e2el"] canvas').waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Outputs: per prompt against fp32 with the first divergent token, per cell every request, model text shown literally', async () => {
    const outputs = experimentOutputsSchema.parse(await api(`/v1/experiments/${seed.outputsExperimentId}/outputs`));
    expect(outputs.prompts).toHaveLength(2);

    const { page, errors } = await openPage(`/experiments/${seed.outputsExperimentId}`);
    const prompt0 = page.locator('[data-testid="outputs-by-prompt"] details[data-prompt="0"]');
    await prompt0.locator('tr[data-cell]').first().waitFor(WAIT);
    const fp32 = prompt0.locator(`tr[data-cell="${seed.outputsCells.fp32}"]`);
    const int8 = prompt0.locator(`tr[data-cell="${seed.outputsCells.int8}"]`);
    expect(await fp32.locator('td[data-col="same"]').textContent()).toBe('reference');
    expect(await int8.getAttribute('data-same')).toBe('false');
    expect(await int8.locator('td[data-col="same"]').textContent()).toBe('differs');
    expect(await int8.locator('td[data-col="divergence"]').textContent()).toBe('token 2');
    expect(await fp32.locator('pre.output-text').textContent()).toBe(HOSTILE_TEXT);
    expect(await page.locator('[data-testid="outputs-by-prompt"] summary .prompt-text').first().textContent()).toBe(
      '<b>not bold</b> prompt',
    );

    const prompt1 = page.locator('[data-testid="outputs-by-prompt"] details[data-prompt="1"]');
    await prompt1.locator('summary').click();
    expect(await prompt1.locator(`tr[data-cell="${seed.outputsCells.int8}"]`).getAttribute('data-same')).toBe('true');

    // Per cell, expandable: every request's text and token ids.
    const cell = page.locator(`[data-testid="outputs-by-cell"] details[data-cell="${seed.outputsCells.int8}"]`);
    await cell.locator('summary').click();
    const requests = cell.locator('table.outputs-requests tbody tr');
    await expect.poll(() => requests.count(), WAIT).toBe(4);
    expect(await requests.first().locator('pre.output-text').textContent()).toBe(`${HOSTILE_TEXT} (int8)`);
    expect(await requests.first().locator('code.token-ids').textContent()).toBe('10 11 999');

    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      bold: document.querySelectorAll('main b').length,
      scripts: Array.from(document.querySelectorAll('script'), (s) => s.getAttribute('src')),
    }));
    expect(injected.pwned).toBeNull();
    expect(injected.bold).toBe(0);
    expect(injected.scripts.every((src) => src?.startsWith('/assets/'))).toBe(true);
    await page.locator('section.outputs').screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-outputs.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Experiments list: model(s), cells, failed and duration columns; status, model, name and prompt filters; "more" pages', async () => {
    const first = experimentListPageSchema.parse(await api('/v1/experiments'));
    expect(first.nextCursor).not.toBeNull();

    const { page, errors } = await openPage('/');
    const rows = page.locator('[data-testid="experiments"] tbody tr[data-experiment]');
    await expect.poll(() => rows.count(), WAIT).toBe(first.experiments.length);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-experiments.png') });
    const more = page.locator('button[data-action="more"]');
    expect(await more.isVisible()).toBe(true);
    await more.click();
    await expect.poll(() => rows.count(), WAIT).toBe(seed.experimentCount);
    expect(await more.isVisible()).toBe(false);

    const nightly = page.locator('tr[data-experiment="nightly-0"]');
    expect(await nightly.locator('td[data-col="models"]').textContent()).toBe('gpt2-tiny');
    expect(await nightly.locator('td[data-col="cells"]').textContent()).toBe('1');
    expect(await nightly.locator('td[data-col="duration"]').textContent()).toBe('1 min 00 s');

    const names = () => page.locator('[data-testid="experiments"] tbody a.name').allTextContents();
    await page.getByLabel('name', { exact: true }).fill('needle');
    await expect.poll(names, WAIT).toEqual(['needle search']);
    expect(await page.locator('tr[data-experiment="needle"] td[data-col="failed"]').textContent()).toBe('1');
    await page.getByLabel('name', { exact: true }).fill('');

    await page.getByLabel('status', { exact: true }).selectOption('cancelled');
    await expect.poll(names, WAIT).toEqual(['cancelled one']);
    await page.getByLabel('status', { exact: true }).selectOption('failed');
    await expect.poll(names, WAIT).toEqual(['needle search']);
    await page.getByLabel('status', { exact: true }).selectOption('');

    await page.getByLabel('prompt', { exact: true }).fill('haystack');
    await expect.poll(names, WAIT).toEqual(['needle search']);
    await page.getByLabel('prompt', { exact: true }).fill('');

    await page.getByLabel('model', { exact: true }).fill('forge:gpt2-small');
    await expect.poll(() => rows.count(), WAIT).toBe(seed.smallModelCount);
    const models = await page.locator('[data-testid="experiments"] td[data-col="models"]').allTextContents();
    expect(new Set(models)).toEqual(new Set(['gpt2-small']));
    // The filters live in the URL: a reload shows the same list.
    expect(new URL(page.url()).search).toBe('?model=forge%3Agpt2-small');
    await page.reload();
    await expect.poll(() => rows.count(), WAIT).toBe(seed.smallModelCount);
    expect(await page.getByLabel('model', { exact: true }).inputValue()).toBe('forge:gpt2-small');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByLabel('model', { exact: true }).fill('forge:nothing-like-it');
    await expect.poll(() => page.locator('.state-empty').textContent(), WAIT).toContain('No experiment matches these filters.');
    expect(errors).toEqual([]);
    await page.close();
  });
});
