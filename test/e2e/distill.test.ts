import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESULTS_QUEUE } from '@inferlab/experiments';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
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

type RecordedProgress = { phase: string; step: number; totalSteps: number; attempt: number; outcome: string | undefined };

/**
 * Every distill-progress message of a job the recorder took from `results`, in order, with the
 * recorder's outcome ('recorded': applied to the job's row while it was running). BullMQ keeps
 * completed result jobs (RESULT_JOB_OPTIONS), so this is the job's whole progress history: a
 * 4-epoch gpt2-tiny job trains in well under a poll interval, and polling GET /v1/distill/:id
 * could miss its one 'train' state.
 */
async function recordedProgress(redisUrl: string, distillId: string): Promise<RecordedProgress[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const results = new Queue(RESULTS_QUEUE, { connection });
  try {
    const jobs = await results.getJobs(['completed'], 0, -1, true);
    return jobs
      .filter((j) => j.data?.kind === 'distill-progress' && j.data.distillId === distillId)
      .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0) || Number(a.id) - Number(b.id))
      .map((j) => ({
        phase: j.data.phase,
        step: j.data.step,
        totalSteps: j.data.totalSteps,
        attempt: j.data.attempt,
        outcome: j.returnvalue?.outcome,
      }));
  } finally {
    await results.close();
    connection.disconnect();
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
    // The api held a running state with training progress: seen by a poll, or recorded from the
    // recorder's history (the worker reports every phase change and the last step of each).
    const history = await recordedProgress(f.platform.redisUrl, created.body.id);
    const trained = history.filter((p) => p.phase === 'train' && p.step > 0);
    const polled = seen.some((j) => j.status === 'running' && j.progress?.phase === 'train' && j.progress.step > 0);
    console.log(`distill progress: ${polled ? 'seen by a poll' : 'not caught by a poll'}; recorded ${JSON.stringify(history)}`);
    expect(trained.length).toBeGreaterThan(0);
    expect(trained.every((p) => p.outcome === 'recorded')).toBe(true);
    expect(trained.at(-1)).toMatchObject({ step: trained.at(-1)?.totalSteps });
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
