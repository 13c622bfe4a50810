// The demo's wait loop against the real api (app.request over a real SQLite file): it ends when
// the experiment is cancelled, as the dashboard's Cancel button does, not only when cells finish.
import { afterEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, post } from '../../apps/api/src/test-harness.ts';
import { waitForExperiment } from '../../scripts/lib/wait-for-experiment.ts';

const MATRIX = {
  name: 'wait: to cancel',
  models: ['forge:gpt2-tiny'],
  variants: [
    { dtype: 'fp32', cache: true },
    { dtype: 'int8', cache: true },
  ],
  prompts: ['Hello'],
  maxNewTokens: [4],
  repetitions: 1,
  warmup: 0,
};

let f: AppFixture | undefined;
afterEach(() => f?.close());

describe('waitForExperiment', () => {
  it('keeps waiting while cells are queued, and returns "cancelled" once the experiment is cancelled', async () => {
    f = createAppFixture(null);
    const app = f.app;
    const created = await post(app, '/v1/experiments', MATRIX);
    expect(created.status).toBe(201);
    const lines: string[] = [];
    let outcome: string | null = null;
    const waiting = waitForExperiment('', created.json.id, {
      fetch: async (url) => app.request(url),
      onProgress: (l) => lines.push(l),
      pollMs: 10,
    }).then((s) => {
      outcome = s;
      return s;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(outcome).toBeNull(); // queued cells: still waiting

    expect((await post(app, `/v1/experiments/${created.json.id}/cancel`, {})).status).toBe(200);
    await expect(waiting).resolves.toBe('cancelled');
    expect(lines.at(-1)).toContain('2 cancelled');
  });

  it('fails with the api’s answer for an unknown experiment instead of polling forever', async () => {
    f = createAppFixture(null);
    const app = f.app;
    await expect(waitForExperiment('', 'nope', { fetch: async (url) => app.request(url), pollMs: 10 })).rejects.toThrow(/404/);
  });
});
