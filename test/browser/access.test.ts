// The dashboard against an api started with read and write tokens (INFERLAB_READ_TOKENS,
// INFERLAB_API_TOKENS), in a real Chromium: nothing reads without a token, the Access page takes
// one, reads then carry it as a header and the live stream as `?access_token=`, and the write
// token only ever travels in a header.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { experimentListSchema, experimentViewSchema } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const READ = 'read-token-5f1c';
const WRITE = 'write-token-9b7e';
const WAIT = { timeout: 30_000 };
const SCREENSHOT_DIR = join(resolve(import.meta.dirname, '../..'), 'data/screenshots');

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
  buildDashboard();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

describe('dashboard with API tokens', () => {
  // No worker: the experiment is a cuda cell that stays queued; reading is what is tested.
  const f = usePlatform('browser-access', { workers: 0, env: { INFERLAB_READ_TOKENS: READ, INFERLAB_API_TOKENS: WRITE } });

  it('asks for a read token, then reads with it (header, and ?access_token= for the live stream only) and writes with the write token in a header', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const requests: { url: string; method: string; authorization: string | undefined }[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/'))
        requests.push({ url: r.url(), method: r.method(), authorization: r.headers()['authorization'] });
    });

    // Without a token: the list says why and where to go; the live stream is refused (401) and says so.
    await page.goto(`${f.platform.apiUrl}/`);
    const error = page.locator('.state-error');
    await expect.poll(() => error.textContent(), WAIT).toContain('401');
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), WAIT).toBe('offline');
    await page.locator('a[data-role="access-link"]').click();
    await page.waitForURL(/\/access$/, WAIT);

    await page.locator('#read-token').fill(READ);
    await page.getByRole('button', { name: 'Save tokens' }).click();
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), WAIT).toBe('live');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-access.png') });

    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.locator('.state-empty', { hasText: 'No experiments yet' }).waitFor(WAIT);

    // A write with the write token, typed on the Submit page.
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    const matrix = {
      name: 'access: queued',
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: true }],
      devices: ['cuda'],
      prompts: ['Hello'],
      maxNewTokens: [4],
      repetitions: 1,
      warmup: 0,
    };
    await page.locator('#matrix').fill(JSON.stringify(matrix));
    await page.locator('#token').fill(WRITE);
    await page.getByRole('button', { name: 'Submit experiment' }).click();
    await page.waitForURL(/\/experiments\/[^/]+$/, WAIT);
    await expect.poll(() => page.locator('h1.experiment-name').textContent(), WAIT).toBe('access: queued');
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    // A link the browser opens itself carries the read token, never the write token.
    const report = (await page.locator('a[data-action="report"]').getAttribute('href')) ?? '';
    expect(new URL(report, f.platform.apiUrl).searchParams.get('access_token')).toBe(READ);

    // The read token outlives a reload (localStorage); the page reads again.
    await page.reload();
    await expect.poll(() => page.locator('h1.experiment-name').textContent(), WAIT).toBe('access: queued');
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), WAIT).toBe('live');

    const reads = requests.filter((r) => r.method === 'GET');
    const events = reads.filter((r) => new URL(r.url).pathname === '/v1/events');
    const fetched = reads.filter((r) => new URL(r.url).pathname !== '/v1/events');
    expect(events.some((r) => new URL(r.url).searchParams.get('access_token') === READ)).toBe(true);
    expect(fetched.filter((r) => r.authorization === `Bearer ${READ}`).length).toBeGreaterThan(2);
    expect(requests.find((r) => r.method === 'POST')?.authorization).toBe(`Bearer ${WRITE}`);
    expect(requests.filter((r) => r.url.includes(WRITE))).toEqual([]);
    expect(errors).toEqual([]);

    // The answers the dashboard read are the shapes @inferlab/experiments declares.
    const get = async (path: string) =>
      (await fetch(`${f.platform.apiUrl}${path}`, { headers: { authorization: `Bearer ${READ}` } })).json();
    expect(experimentListSchema.parse(await get('/v1/experiments')).experiments.map((e) => e.id)).toContain(id);
    expect(experimentViewSchema.parse(await get(`/v1/experiments/${id}`)).cells).toHaveLength(1);
    await page.close();
  });
});
