import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// Distill jobs through the platform: api → distill-cpu queue → worker (inference thread) → heads
// beside the model → results → recorder → SQLite; then an experiment whose early-exit and
// self-speculative cells use the trained version. The worker writes heads into its models folder,
// so this file gives the platform a private copy of gpt2-tiny rather than the shared cache.

const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-distill-models-'));
const headsDir = join(modelsDir, 'forge', 'gpt2-tiny', 'exit-heads');
const VERSION = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

beforeAll(async () => {
  const shared = await sharedModelsDir(['gpt2-tiny']);
  mkdirSync(join(modelsDir, 'forge'), { recursive: true });
  cpSync(join(shared, 'forge', 'gpt2-tiny'), join(modelsDir, 'forge', 'gpt2-tiny'), { recursive: true });
  rmSync(headsDir, { recursive: true, force: true });
});
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

type DistillView = {
  status: string;
  attempt: number;
  progress: { phase: string; step: number; totalSteps: number } | null;
  version: string | null;
  metrics: { layer: number; untrainedKd: number; trainedKd: number }[] | null;
  error: string | null;
};

async function waitDistill(apiUrl: string, id: string, timeoutMs: number, seen: DistillView[] = []): Promise<DistillView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await getJson(`${apiUrl}/v1/distill/${id}`)) as DistillView;
    seen.push(job);
    if (job.status === 'done' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`distill ${id} not finished in ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('distill jobs through the platform', () => {
  const f = usePlatform('distill', { env: { INFERLAB_MODELS_DIR: modelsDir, WORKER_LOCK_MS: '2000', WORKER_DISTILL_THREADS: '1' } });

  it('trains heads, reports progress, stores version and metrics; early-exit and self-speculative cells use them', {
    timeout: 300_000,
  }, async () => {
    const api = f.platform.apiUrl;
    const created = await postJson(`${api}/v1/distill`, { model: 'forge:gpt2-tiny', layers: [1], epochs: 4, seed: 3 });
    expect(created.status).toBe(201);
    const seen: DistillView[] = [];
    const job = await waitDistill(api, created.body.id, 180_000, seen);
    expect(job.error).toBeNull();
    expect(job.status).toBe('done');
    expect(seen.some((j) => j.status === 'running' && j.progress?.phase === 'train' && j.progress.step > 0)).toBe(true);
    expect(job.version).toMatch(VERSION);
    const [m] = job.metrics ?? [];
    console.log(`distill e2e gpt2-tiny layer 1: held-out KD ${m?.untrainedKd} (untrained) → ${m?.trainedKd} (trained)`);
    expect(m?.trainedKd).toBeLessThan(m?.untrainedKd as number);
    const meta = JSON.parse(readFileSync(join(headsDir, job.version as string, 'heads.json'), 'utf8'));
    expect(meta).toMatchObject({ jobId: created.body.id, layers: [1], kind: 'linear' });
    const listed = await getJson(`${api}/v1/distill?model=forge:gpt2-tiny`);
    expect(listed.jobs.map((j: { id: string }) => j.id)).toContain(created.body.id);

    const heads = job.version as string;
    const exp = await postJson(`${api}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      prompts: ['It is a truth universally acknowledged'],
      maxNewTokens: [12],
      threads: [1],
      repetitions: 1,
      warmup: 0,
      decoding: [
        { strategy: 'greedy' },
        { strategy: 'early-exit', heads, exitLayers: [1], criterion: 'max-prob', threshold: 0 },
        { strategy: 'self-speculative', heads, exitLayer: 1, k: 3 },
      ],
    });
    expect(exp.status).toBe(201);
    const done = await waitForExperiment(api, exp.body.id, 180_000);
    for (const cell of done.cells) expect(cell, JSON.stringify(cell)).toMatchObject({ status: 'done', error: null });

    const db = new Database(join(f.dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      const out = (i: number) =>
        (db.prepare('select output_token_ids as ids from requests where cell_id = ?').get(done.cells[i]?.id) as { ids: string }).ids;
      // Greedy verification makes self-speculative lossless; threshold 0 exits every token at layer 1.
      expect(out(2)).toBe(out(0));
      expect(JSON.parse(out(1))).toHaveLength(12);
    } finally {
      db.close();
    }
  });

  it('an early-exit cell naming heads this host lacks fails with the version, the versions present and the fix', {
    timeout: 120_000,
  }, async () => {
    const api = f.platform.apiUrl;
    const exp = await postJson(`${api}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      prompts: ['Hello'],
      maxNewTokens: [4],
      repetitions: 1,
      warmup: 0,
      decoding: [{ strategy: 'early-exit', heads: '20990101T000000Z-deadbeef', exitLayers: [1] }],
    });
    expect(exp.status).toBe(201);
    const done = await waitForExperiment(api, exp.body.id, 90_000);
    const error = done.cells[0]?.error ?? '';
    expect(done.cells[0]?.status).toBe('failed');
    expect(error).toContain("exit heads version '20990101T000000Z-deadbeef' not found");
    expect(error).toMatch(/present: untrained, \d{8}T\d{6}Z-[0-9a-f]{8}/);
    expect(error).toContain('POST /v1/distill');
  });

  it('a worker killed mid-training: the job is retried and publishes exactly one version', { timeout: 300_000 }, async () => {
    const api = f.platform.apiUrl;
    const before = existsSync(headsDir) ? readdirSync(headsDir).length : 0;
    const created = await postJson(`${api}/v1/distill`, { model: 'forge:gpt2-tiny', layers: [1], epochs: 40 });
    expect(created.status).toBe(201);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const j = (await getJson(`${api}/v1/distill/${created.body.id}`)) as DistillView;
      if (j.progress?.phase === 'train' && j.progress.step > 0) break;
      if (Date.now() > deadline) throw new Error(`distill never started training: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
    const victim = f.platform.workers[0];
    if (victim === undefined) throw new Error('no worker');
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    await f.platform.startWorker();

    const job = await waitDistill(api, created.body.id, 240_000);
    expect(job.status).toBe('done');
    expect(job.attempt).toBeGreaterThan(1);
    const versions = readdirSync(headsDir).filter((v) => VERSION.test(v));
    expect(versions).toHaveLength(before + 1);
    expect(versions).toContain(job.version);
    expect(readdirSync(headsDir).filter((v) => v.startsWith('.tmp-'))).toEqual([]);
  });
});
