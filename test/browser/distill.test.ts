// The Exit heads view in a real Chromium against the real platform (api + recorder + a CPU worker +
// redis): the form's field errors, a distill job followed to done by polling, and a hostile model id.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// The worker writes heads into its models folder: a private copy of gpt2-tiny keeps them out of the shared cache.
const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-browser-distill-models-'));
const WAIT = { timeout: 45_000 };
const VERSION = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
const HOSTILE = 'dir:/models/<img src=x onerror=alert(1)>';

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
  buildDashboard();
  const shared = await sharedModelsDir(['gpt2-tiny']);
  mkdirSync(join(modelsDir, 'forge'), { recursive: true });
  cpSync(join(shared, 'forge', 'gpt2-tiny'), join(modelsDir, 'forge', 'gpt2-tiny'), { recursive: true });
  rmSync(join(modelsDir, 'forge', 'gpt2-tiny', 'exit-heads'), { recursive: true, force: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('exit heads view', () => {
  const f = usePlatform('browser-distill', { env: { INFERLAB_MODELS_DIR: modelsDir, WORKER_DISTILL_THREADS: '1' } });

  it('shows field errors, follows a job to done with version and KD, stops polling, renders a hostile model id as text', {
    timeout: 180_000,
  }, async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const dialogs: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    let listFetches = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/distill' && r.method() === 'GET') listFetches++;
    });
    const fill = async (model: string, layers: string, epochs: string) => {
      await page.locator('#distill-model').fill(model);
      await page.locator('#distill-layers').fill(layers);
      await page.locator('#distill-epochs').fill(epochs);
      await page.getByRole('button', { name: 'Train exit heads' }).click();
    };

    await page.goto(`${f.platform.apiUrl}/`);
    await page.getByRole('link', { name: 'Exit heads' }).click();
    await page.locator('.state-empty', { hasText: 'No distill jobs yet' }).waitFor(WAIT);

    // Bad input: the api's issues, by field, beside the form; nothing is queued.
    await fill('forge:gpt2-tiny', '0, x', '0');
    const issues = page.locator('#distill-issues');
    await expect.poll(() => issues.textContent(), WAIT).toContain('invalid_distill_request');
    const paths = await issues.locator('code.path').allTextContents();
    expect(paths).toEqual(expect.arrayContaining(['layers.0', 'layers.1', 'epochs']));
    expect(await page.locator('tr[data-distill]').count()).toBe(0);

    await fill('forge:gpt2-tiny', '1', '1');
    const row = page.locator('tr[data-distill]').first();
    await row.waitFor(WAIT);
    const id = (await row.getAttribute('data-distill')) as string;
    const job = page.locator(`tr[data-distill="${id}"]`);
    // Queued or running: the status cell has a bar.
    await job.locator('[role="progressbar"]').waitFor(WAIT);
    // One epoch of training on one thread: about a minute on a busy 2-core machine.
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    expect(await job.locator('td[data-col="model"]').textContent()).toBe('forge:gpt2-tiny');
    expect(await job.locator('td[data-col="layers"]').textContent()).toBe('1');
    expect(await job.locator('td[data-col="kind"]').textContent()).toBe('linear');
    expect(await job.locator('td[data-col="version"]').textContent()).toMatch(VERSION);
    expect(await job.locator('[role="progressbar"]').count()).toBe(0);
    const kd = (await job.locator('td[data-col="kd"] li[data-layer="1"]').textContent()) as string;
    const m = /^L1 (\d[\d.]*) → (\d[\d.]*) \((\d[\d.]*)×\)$/.exec(kd);
    expect(m, kd).not.toBeNull();
    // The same numbers as the api's, and training lowered the held-out KD.
    const api = (await (await fetch(`${f.platform.apiUrl}/v1/distill/${id}`)).json()) as {
      metrics: { untrainedKd: number; trainedKd: number }[];
      workerId: string;
    };
    const [metric] = api.metrics;
    expect(Number(m?.[1])).toBeCloseTo(metric?.untrainedKd as number, 2);
    expect(Number(m?.[2])).toBeLessThan(Number(m?.[1]));
    expect(Number(m?.[3])).toBeCloseTo((metric?.trainedKd as number) / (metric?.untrainedKd as number), 2);
    expect(Number(await job.locator('td[data-col="trainSeconds"]').textContent())).toBeGreaterThan(0);
    expect(await job.locator('td[data-col="worker"]').textContent()).toBe(api.workerId);

    // Nothing queued or running: the list is not fetched again.
    const before = listFetches;
    await page.waitForTimeout(4500);
    expect(listFetches).toBe(before);

    // A model id carrying markup: the api accepts any dir: path, the worker fails it; both show as text.
    await fill(HOSTILE, '1', '1');
    const hostileRow = page.locator('tr[data-distill]', { has: page.locator('td[data-col="model"]', { hasText: 'onerror' }) });
    await hostileRow.waitFor(WAIT);
    expect(await hostileRow.locator('td[data-col="model"]').textContent()).toBe(HOSTILE);
    const hostileId = (await hostileRow.getAttribute('data-distill')) as string;
    await expect.poll(() => page.locator(`tr[data-distill="${hostileId}"]`).getAttribute('data-status'), WAIT).toBe('failed');
    expect(await page.locator(`tr[data-error-for="${hostileId}"]`).textContent()).toMatch(/^failed: .+/);
    const injected = await page.evaluate(() => document.querySelectorAll('img').length);
    expect(injected).toBe(0);
    expect(dialogs).toEqual([]);

    // A cuda job stays queued (no CUDA worker here): the view polls while it waits, and stops once left.
    const cuda = await fetch(`${f.platform.apiUrl}/v1/distill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'forge:gpt2-tiny', layers: [1], epochs: 1, device: 'cuda' }),
    });
    expect(cuda.status).toBe(201);
    await page.reload();
    const queued = page.locator(`tr[data-distill="${((await cuda.json()) as { id: string }).id}"]`);
    await queued.locator('[role="progressbar"]').waitFor(WAIT);
    expect(await queued.getAttribute('data-status')).toBe('queued');
    const whileQueued = listFetches;
    await expect.poll(() => listFetches - whileQueued, WAIT).toBeGreaterThanOrEqual(2);
    await page.getByRole('link', { name: 'Workers' }).click();
    await page.locator('[data-testid="workers"]').waitFor(WAIT);
    const afterLeaving = listFetches;
    await page.waitForTimeout(4500);
    expect(listFetches).toBe(afterLeaving);
    await page.getByRole('link', { name: 'Exit heads' }).click();

    // Phone width: nothing wider than the screen but the scrollable table.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator(`tr[data-distill="${id}"]`).waitFor(WAIT);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    mkdirSync(join(import.meta.dirname, '../../data/screenshots'), { recursive: true });
    await page.screenshot({ path: join(import.meta.dirname, '../../data/screenshots/exit-heads-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: join(import.meta.dirname, '../../data/screenshots/exit-heads.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
