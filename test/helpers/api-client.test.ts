import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, serveApp } from '../../apps/api/src/test-harness.ts';
import { apiClient, getJson, postJson, SEED_PROMPT, waitForExperiment } from './api-client.ts';

// The helpers over a real HTTP server (no workers: cells stay queued).
describe('test/helpers/api-client', () => {
  let f: AppFixture;
  let server: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    f = createAppFixture(null);
    server = await serveApp(f.app);
  });
  afterAll(async () => {
    await server.close();
    f.close();
  });

  it('submits, reads and waits through the typed client', async () => {
    const matrix = { models: ['forge:gpt2-tiny'], prompts: [SEED_PROMPT], variants: [{ dtype: 'fp32', cache: true }], maxNewTokens: [4] };
    const created = await postJson(`${server.url}/v1/experiments`, matrix);
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const seen = await waitForExperiment(server.url, id, 5_000, (e) => e.progress.queued === created.body.cells.length);
    expect(seen.id).toBe(id);
    expect((await getJson(`${server.url}/v1/experiments/${id}`)).status).toBe('queued');
    const res = await apiClient(server.url).v1.experiments[':id'].results.$get({ param: { id } });
    expect(res.status).toBe(200);

    const refused = await postJson(`${server.url}/v1/experiments`, { ...matrix, variants: [{ dtype: 'fp33', cache: true }] });
    expect(refused.status).toBe(400);
    expect(refused.body.issues?.[0]?.path).toBe('variants.0.dtype');
    await expect(waitForExperiment(server.url, 'nope', 1_000)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
