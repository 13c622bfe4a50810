// The Training view in a real Chromium against the real platform (api + recorder + a CPU worker +
// redis): a field error from the api, a tiny training job whose loss curve grows as the worker
// reports (SSE `train` events), its trained: model id, and "new experiment with this model" prefilling
// Submit with it, which the api accepts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, launchChromium } from '../helpers/browser.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-browser-train-models-'));
const WAIT = { timeout: 90_000 };

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
  buildDashboard();
});
afterAll(async () => {
  await browser?.close();
  rmSync(modelsDir, { recursive: true, force: true });
});

describe('training view', () => {
  const f = usePlatform('browser-train', { env: { INFERLAB_MODELS_DIR: modelsDir, WORKER_DISTILL_THREADS: '1' } });

  it('shows a field error, then follows a tiny job: the curve grows, the model link prefills a new experiment', {
    timeout: 240_000,
  }, async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${f.platform.apiUrl}/`);
    await page.getByRole('link', { name: 'Training' }).click();
    await page.locator('.state-empty', { hasText: 'No training jobs yet' }).waitFor(WAIT);

    const job = (steps: number) => ({
      name: 'browser-tiny',
      shape: { family: 'gpt2', nLayer: 1, nHead: 2, nEmbd: 32, nPositions: 32 },
      steps,
      batchSize: 2,
      seqLen: 32,
      evalEvery: 10,
      checkpointEvery: 10,
    });
    await page.locator('#train-job').fill(JSON.stringify(job(0)));
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.locator('#train-issues li', { hasText: 'steps' }).waitFor(WAIT);

    await page.locator('#train-job').fill(JSON.stringify(job(60)));
    await page.getByRole('button', { name: 'Start training' }).click();
    const card = page.getByTestId('train-job').first();
    // The curve is drawn from the recorded points; it has more of them as the worker reports.
    const points = async () => Number(await card.getAttribute('data-points'));
    await card.locator('[data-chart^="train-loss-"]').waitFor(WAIT);
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="train-job"]')?.getAttribute('data-points')) > 0,
      null,
      WAIT,
    );
    const first = await points();
    await page.locator('[data-testid="train-job"][data-status="done"]').waitFor(WAIT);
    expect(await points()).toBeGreaterThan(first);
    await expect(card.getByTestId('train-stats').textContent()).resolves.toMatch(/step 60 \/ 60 · \d+ tokens\/s · ETA/);
    const link = card.getByTestId('new-experiment');
    const modelId = (await card.locator('code').textContent()) ?? '';
    expect(modelId).toMatch(/^trained:browser-tiny@\d{8}T\d{6}Z-\w+$/);
    await link.click();
    await page.waitForURL(/\/submit\?model=/);
    const matrix = JSON.parse(await page.locator('#matrix').inputValue());
    expect(matrix.models).toEqual([modelId]);
    // The api accepts the trained: id as it stands: the experiment is created.
    await page.getByRole('button', { name: 'Submit experiment' }).click();
    await page.waitForURL(/\/experiments\/[^/]+$/, WAIT);
    expect(errors).toEqual([]);
  });
});
