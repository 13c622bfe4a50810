// Saving dashboard charts, in a real Chromium against the real platform (api + recorder + redis, no
// worker; the database written with packages/db's writers): PNG is the chart as drawn, with its
// title and legend; SVG is the same data as a vector file.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../scripts/lib/platform.ts';
import { type BrowseSeed, startBrowsePlatform } from '../helpers/browse-seed.ts';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';

const WAIT = { timeout: 60_000 };
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let seed: BrowseSeed;
let stopPlatform: (() => Promise<void>) | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  buildDashboard();
  const started = await startBrowsePlatform('inferlab-chart-export-');
  ({ platform, seed, stop: stopPlatform } = started);
});
afterAll(async () => {
  await browser?.close();
  await stopPlatform?.();
});

/** Clicks a chart's save button and returns the file and the name the page gave it. */
async function save(page: Page, chart: string, as: 'png' | 'svg'): Promise<{ bytes: Buffer; name: string }> {
  const [download] = await Promise.all([
    page.waitForEvent('download', WAIT),
    page.locator(`figure[data-chart="${chart}"] [data-action="save-${as}"]`).click(),
  ]);
  return { bytes: readFileSync((await download.path()) as string), name: download.suggestedFilename() };
}

/** Width and height from a PNG's IHDR chunk (big-endian, right after the signature and the chunk header). */
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

/** Decodes the PNG in the page and counts pixels near an RGB colour, in rows [fromY, toY). */
async function pngPixels(page: Page, png: Buffer, rgb: [number, number, number], rows: [number, number] = [0, 1e9]): Promise<number> {
  return page.evaluate(
    async ({ base64, rgb: [r, g, b], rows: [fromY, toY] }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${base64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
      ctx.drawImage(img, 0, 0);
      const top = Math.min(fromY, canvas.height);
      const data = ctx.getImageData(0, top, canvas.width, Math.min(toY, canvas.height) - top).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - r) <= 30 && Math.abs(data[i + 1]! - g) <= 30 && Math.abs(data[i + 2]! - b) <= 30) n++;
      }
      return n;
    },
    { base64: png.toString('base64'), rgb, rows },
  );
}

async function openPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${platform.apiUrl}${path}`);
  return { page, errors };
}

describe('saving a chart', () => {
  it('as PNG: the drawn chart with its title and legend, at the canvas resolution', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.outputsExperimentId}`);
    const canvas = page.locator('figure[data-chart="itl"] canvas');
    await canvas.waitFor(WAIT);
    const drawn = await canvas.evaluate((el: HTMLCanvasElement) => ({ width: el.width, height: el.height }));

    const { bytes, name } = await save(page, 'itl', 'png');
    expect(name).toBe('itl.png');
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(bytes.length).toBeGreaterThan(5_000);
    // As wide as the canvas, taller by the title above and the legend below.
    const size = pngSize(bytes);
    expect(size.width).toBe(drawn.width);
    expect(size.height).toBeGreaterThan(drawn.height + 30);
    // uPlot's drawing is in it (the int8 line, #E69F00, over fp32's identical one, between the title
    // and the legend); the title's dark text sits above it, each series' swatch in the legend below.
    const plotRows: [number, number] = [28, 28 + drawn.height];
    expect(await pngPixels(page, bytes, [230, 159, 0], plotRows), 'series line').toBeGreaterThan(100);
    expect(await pngPixels(page, bytes, [17, 17, 17], [0, 28]), 'title').toBeGreaterThan(50);
    expect(await pngPixels(page, bytes, [0, 114, 178], [28 + drawn.height, size.height]), 'legend swatch').toBeGreaterThan(60);

    // A bar chart too, and the history trend with its CI bands.
    expect([...(await save(page, 'tokens-per-s', 'png')).bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    await page.goto(`${platform.apiUrl}/history`);
    await page.locator('figure[data-chart="trend-e2el"] canvas').waitFor(WAIT);
    const trend = await save(page, 'trend-e2el', 'png');
    expect(trend.name).toBe('trend-e2el.png');
    expect([...trend.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(await pngPixels(page, trend.bytes, [192, 0, 0]), 'regression ring').toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('as SVG: the same series as vectors, in the page’s colours', async () => {
    const { page, errors } = await openPage(`/experiments/${seed.outputsExperimentId}`);
    await page.locator('figure[data-chart="cdf-e2el"] canvas').waitFor(WAIT);
    const legend = (await page.locator('figure[data-chart="cdf-e2el"] .u-legend .u-series .u-label').allTextContents()).slice(1);
    const { bytes, name } = await save(page, 'cdf-e2el', 'svg');
    expect(name).toBe('cdf-e2el.svg');
    const svg = bytes.toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('E2EL distribution (CDF per cell)');
    expect(svg.match(/<path class="series"/g)).toHaveLength(legend.length);
    expect(svg).toContain('stroke="#0072B2"');
    for (const label of legend) expect(svg).toContain(label.replaceAll('&', '&amp;').replaceAll('<', '&lt;'));
    expect(errors).toEqual([]);
    await page.close();
  });
});
