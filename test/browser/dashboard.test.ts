// The dashboard in a real Chromium against the real platform (api + recorder + a CPU worker + redis).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { experimentResultsSchema } from '@inferlab/experiments';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';
import { sharedModelsDir } from '../helpers/models.ts';

const ROOT = resolve(import.meta.dirname, '../..');
// `npm run screenshot` sets this: the README's picture is taken here, by this test.
const SCREENSHOT_DIR = process.env.INFERLAB_SCREENSHOTS === '1' ? join(ROOT, 'docs') : join(ROOT, 'data/screenshots');
const WAIT = { timeout: 60_000 };

const MATRIX = {
  name: 'browser: cache vs no cache',
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: false },
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['Explain briefly why KV caching helps.', 'Hello world'],
  maxNewTokens: [16],
  threads: [1],
  repetitions: 6,
  warmup: 1,
};

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let dataDir: string;

beforeAll(async () => {
  // The browser first: a machine without chromium fails here, saying how to install it.
  browser = await launchChromium();
  buildDashboard();
  dataDir = mkdtempSync(join(tmpdir(), 'inferlab-browser-'));
  platform = await startPlatform({ dataDir, workers: 1, env: { INFERLAB_MODELS_DIR: await sharedModelsDir() } });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function submit(page: Page, matrix: unknown): Promise<void> {
  await page.goto(`${platform.apiUrl}/submit`);
  await page.locator('#matrix').fill(JSON.stringify(matrix, null, 2));
  await page.getByRole('button', { name: 'Submit experiment' }).click();
}

/** Pixels of a chart's canvas in the first series colour (#0072B2): a drawn line or bar, not just axes. */
async function seriesPixels(page: Page, chart: string): Promise<number> {
  const canvas = page.locator(`figure[data-chart="${chart}"] canvas`);
  await canvas.waitFor(WAIT);
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? new Uint8ClampedArray();
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i]! - 0) < 40 && Math.abs(data[i + 1]! - 114) < 40 && Math.abs(data[i + 2]! - 178) < 40 && data[i + 3]! > 100) n++;
    }
    return n;
  });
}

describe('dashboard', () => {
  it('submits a matrix, follows its progress live, shows the table and charts, compares two cells and exports CSV', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));

    // Validation errors from the api appear next to the input, by field.
    await submit(page, { ...MATRIX, variants: [{ dtype: 'bf16', cache: true }], max_new_tokens: [4] });
    const issues = page.locator('#matrix-issues');
    await expect.poll(() => issues.textContent(), WAIT).toContain('variants.0.dtype');
    expect(await issues.textContent()).toContain('did you mean maxNewTokens');

    await page.locator('#matrix').fill(JSON.stringify(MATRIX, null, 2));
    await page.getByRole('button', { name: 'Submit experiment' }).click();
    await page.waitForURL(/\/experiments\/[^/]+$/, WAIT);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    // The list's bar moves by server-sent events: the list is fetched once, not polled.
    let listFetches = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/experiments' && r.method() === 'GET') listFetches++;
    });
    await page.getByRole('link', { name: 'Experiments' }).click();
    const bar = page.locator(`tr[data-experiment="${id}"] [role="progressbar"]`);
    await bar.waitFor(WAIT);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 120_000, interval: 250 }).toBe('100');
    expect(await page.locator(`tr[data-experiment="${id}"]`).getAttribute('data-status')).toBe('done');
    expect(listFetches).toBeLessThanOrEqual(2);

    await page.locator(`tr[data-experiment="${id}"] a.name`).click();
    const rows = page.locator('table.cells tbody tr[data-cell]');
    await expect.poll(() => rows.count(), WAIT).toBe(3);
    // What the page read is the shape @inferlab/experiments declares (the dashboard's only types).
    const results = experimentResultsSchema.parse(await (await fetch(`${platform.apiUrl}/v1/experiments/${id}/results`)).json());
    expect(results.cells.every((c) => c.quality !== null)).toBe(true);
    const table = (await page.locator('table.cells').textContent()) ?? '';
    for (const mode of ['fp32 no-cache', 'fp32 cache', 'int8 cache']) expect(table).toContain(mode);
    expect(await page.locator('table.cells tbody td[data-col="e2el.p95"]').first().textContent()).toMatch(
      /^\d[\d.]* \[\d[\d.]*, \d[\d.]*\]/,
    );
    expect(table).toContain('insufficient samples'); // 12 requests: p95 and p99 have too few beyond them

    // Outputs from the real model: per prompt each cell against fp32 (the no-cache cell is the
    // reference: first fp32 greedy), per cell every request's text and token ids.
    const prompt0 = page.locator('[data-testid="outputs-by-prompt"] details[data-prompt="0"]');
    await expect.poll(() => prompt0.locator('tr[data-cell]').count(), WAIT).toBe(3);
    expect(await prompt0.locator('td[data-col="same"]').allTextContents()).toContain('reference');
    for (const text of await prompt0.locator('pre.output-text').allTextContents()) expect(text.length).toBeGreaterThan(0);
    const firstCell = page.locator('[data-testid="outputs-by-cell"] details[data-cell]').first();
    await firstCell.locator('summary').click();
    await expect.poll(() => firstCell.locator('table.outputs-requests tbody tr').count(), WAIT).toBe(12);
    expect(await firstCell.locator('code.token-ids').first().textContent()).toMatch(/^\d+( \d+)*$/);

    // Sortable: tokens_per_s descending puts the fastest first.
    await page.locator('button[data-sort="tokens_per_s"]').click();
    await page.locator('button[data-sort="tokens_per_s"]').click();
    const speeds = await page.locator('table.cells tbody td[data-col="tokens_per_s"]').allTextContents();
    expect(speeds.map(Number)).toEqual([...speeds.map(Number)].sort((a, b) => b - a));

    for (const chart of ['cdf-e2el', 'cdf-ttft', 'itl', 'tokens-per-s']) expect(await seriesPixels(page, chart), chart).toBeGreaterThan(50);
    // Speed vs quality: a quality metric against fp32 on the y axis (top-1 agreement first), picked by the user.
    const speedQuality = page.locator('figure[data-chart="speed-quality"]');
    await speedQuality.waitFor(WAIT);
    expect(await speedQuality.getAttribute('data-metric')).toBe('top1Agreement');
    const metricSelect = page.locator('select[data-role="quality-metric"]');
    expect(await metricSelect.locator('option').allTextContents()).toEqual([
      'top-1 agreement with fp32',
      'mean KL vs fp32 (nats)',
      'perplexity Δ vs fp32',
    ]);
    await metricSelect.selectOption('meanKl');
    await expect.poll(() => speedQuality.getAttribute('data-metric'), WAIT).toBe('meanKl');
    expect(await speedQuality.locator('.u-title').textContent()).toBe('Speed vs quality (mean KL vs fp32 (nats))');
    expect(await seriesPixels(page, 'speed-quality')).toBeGreaterThan(20);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="csv"]').click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(download.suggestedFilename()).toMatch(/^inferlab-browser-cache-vs-no-cache-.*\.csv$/);
    expect(csv[0]).toContain('mode,dtype,use_cache,model_size_MB,time_s,tokens_generated,tokens_per_s');
    expect(csv[0]).toContain('e2el_p95_ci_lo_ms');
    expect(csv[0]).toContain('quality.top1Agreement');
    expect(csv).toHaveLength(4);
    // forge gpt2 cells on the CPU keep their cache in place (kvLayout "auto"), and the mode says so.
    for (const mode of ['fp32 no-cache', 'fp32 cache in-place', 'int8 cache in-place']) {
      expect(csv.some((l) => l.includes(`,${mode},`))).toBe(true);
    }

    // Compare: tick two cells, open the comparison.
    const boxes = page.locator('table.cells tbody input[type="checkbox"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator('[data-action="compare"]').click();
    await page.waitForURL(/\/compare\?a=.+&b=.+/, WAIT);
    await page.locator('[data-testid="side-by-side"], [data-testid="compare-unavailable"]').first().waitFor(WAIT);
    await page.locator('[data-testid="significance"]').waitFor(WAIT);
    expect(await page.locator('[data-testid="significance"] tr[data-metric="e2el"]').textContent()).toMatch(/×|no significant difference/);
    expect(await page.locator('[data-testid="side-by-side"]').textContent()).toContain('TTFT p95 ms');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-compare.png'), fullPage: true });

    // Phone width: nothing wider than the screen but the scrollable tables.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${platform.apiUrl}/experiments/${id}`);
    await rows.first().waitFor(WAIT);
    await page.locator('figure[data-chart="itl"] canvas').waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-phone.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows user text literally and never runs it: <script> and <img onerror> in a name and a prompt', async () => {
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const name = '<img src=x onerror="window.__pwned=1;alert(1)">';
    const prompt = '<script>window.__pwned=2;alert(2)</script><img src=x onerror="window.__pwned=3;alert(3)"> & "quotes"';
    // A cuda cell: no CUDA worker here, so it stays queued (and shows on the cuda queue).
    await submit(page, { ...MATRIX, name, prompts: [prompt], devices: ['cuda'], variants: [{ dtype: 'fp32', cache: true }] });
    await page.waitForURL(/\/experiments\/[^/]+$/, WAIT);
    await page.locator('.prompts pre').waitFor(WAIT);
    expect(await page.locator('h1.experiment-name').textContent()).toBe(name);
    expect(await page.locator('.prompts pre').textContent()).toBe(prompt);

    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.locator('a.name', { hasText: 'onerror' }).waitFor(WAIT);
    expect(await page.locator('a.name', { hasText: 'onerror' }).textContent()).toBe(name);

    await page.getByRole('link', { name: 'Workers' }).click();
    await expect.poll(() => page.locator('tr[data-queue="cuda"] td[data-col="waiting"]').textContent(), WAIT).toBe('1');
    await page.locator('[data-testid="workers"] tr[data-worker]').first().waitFor(WAIT);

    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      images: document.querySelectorAll('img').length,
      scripts: Array.from(document.querySelectorAll('script'), (s) => s.getAttribute('src')),
    }));
    expect(injected.pwned).toBeNull();
    expect(injected.images).toBe(0);
    expect(injected.scripts.every((src) => src?.startsWith('/assets/'))).toBe(true);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('cancels a queued experiment from its page', async () => {
    const page = await browser.context.newPage();
    // A cuda cell stays queued here (no CUDA worker), so the experiment is still open to cancel.
    await submit(page, { ...MATRIX, name: 'browser: to cancel', devices: ['cuda'], variants: [{ dtype: 'fp32', cache: true }] });
    await page.waitForURL(/\/experiments\/[^/]+$/, WAIT);
    await page.locator('button[data-action="cancel"]').click();
    await expect.poll(() => page.locator('.meta .badge').textContent(), WAIT).toBe('cancelled');
    // Finished now: no cancel button any more, and the cell says why it did not run.
    await expect.poll(() => page.locator('button[data-action="cancel"]').count(), WAIT).toBe(0);
    const experiment = await (
      await fetch(`${platform.apiUrl}/v1/experiments/${decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)}`)
    ).json();
    expect(experiment.cells.map((c: { status: string }) => c.status)).toEqual(['cancelled']);
    await page.close();
  });
});
