import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// Train jobs through the platform: api → train-cpu → worker (inference thread, KJV corpus) →
// versioned folder under the models dir → results → recorder → SQLite; a SIGKILLed worker's job
// resumes from its checkpoint and publishes one version; its trained:<name>@<version> id runs in an
// experiment (as does the dir: id of the same folder that jobs reported before, and a version no
// worker has fails with the fix); a student distilled from it; cancel stops a running job and keeps
// its checkpoint.

const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-train-models-'));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));

type TrainView = {
  id: string;
  status: string;
  attempt: number;
  progress: { step: number; totalSteps: number; tokensPerSecond: number; etaSeconds: number } | null;
  curve: { step: number; trainLoss: number; heldOutLoss?: number }[];
  modelId: string | null;
  version: string | null;
  outcome: { steps: number; heldOutPerplexity: number | null } | null;
  error: string | null;
};

async function waitTrain(api: string, id: string, until: (j: TrainView) => boolean, timeoutMs: number): Promise<TrainView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await getJson(`${api}/v1/train/${id}`)) as TrainView;
    if (until(job)) return job;
    if (Date.now() > deadline)
      throw new Error(`train ${id}: condition not met in ${timeoutMs} ms: ${JSON.stringify({ ...job, curve: job.curve.length })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const finished = (j: TrainView) => ['done', 'failed', 'cancelled'].includes(j.status);
const tiny = {
  shape: { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64 },
  batchSize: 2,
  seqLen: 32,
  checkpointEvery: 5,
  evalEvery: 20,
};

describe('train jobs through the platform', () => {
  const f = usePlatform('train', { env: { INFERLAB_MODELS_DIR: modelsDir, WORKER_LOCK_MS: '2000', WORKER_DISTILL_THREADS: '1' } });

  it('a worker killed mid-job: the retry resumes from the checkpoint and one version is published; the model runs in an experiment', {
    timeout: 400_000,
  }, async () => {
    const api = f.platform.apiUrl;
    const created = await postJson(`${api}/v1/train`, { ...tiny, steps: 120, name: 'e2e-tiny' });
    expect(created.status).toBe(201);
    await waitTrain(api, created.body.id, (j) => (j.progress?.step ?? 0) >= 12, 180_000);
    const victim = f.platform.workers[0];
    if (victim === undefined) throw new Error('no worker');
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    await f.platform.startWorker();

    const job = await waitTrain(api, created.body.id, finished, 300_000);
    expect(job.status, job.error ?? '').toBe('done');
    expect(job.attempt).toBeGreaterThan(1);
    const steps = job.curve.map((c) => c.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    expect(job.curve.filter((c) => c.heldOutLoss !== undefined).length).toBeGreaterThan(0);
    const dir = join(modelsDir, 'trained', 'e2e-tiny');
    expect(readdirSync(dir)).toEqual([job.version]);
    expect(job.modelId).toBe(`trained:e2e-tiny@${job.version}`);
    const card = JSON.parse(readFileSync(join(dir, job.version as string, 'training_card.json'), 'utf8'));
    expect(card).toMatchObject({ modelId: job.modelId, version: job.version });
    expect(card.resumedFrom).toBeGreaterThan(0);
    expect(card.losses).toHaveLength(120);
    expect(existsSync(join(modelsDir, 'trained', '.checkpoints', created.body.id))).toBe(false);

    const trained = job.modelId as string;
    const legacy = `dir:${join(dir, job.version as string)}`;
    const absent = 'trained:e2e-tiny@20000101T000000Z-absent';
    const exp = await postJson(`${api}/v1/experiments`, {
      models: [trained, legacy, absent],
      prompts: ['And God said'],
      maxNewTokens: [8],
      threads: [1],
      repetitions: 1,
      warmup: 0,
      decoding: [{ strategy: 'greedy' }],
    });
    expect(exp.status, JSON.stringify(exp.body)).toBe(201);
    const done = await waitForExperiment(api, exp.body.id, 120_000);
    const byModel = new Map(done.cells.map((cell) => [cell.config.model, cell]));
    for (const id of [trained, legacy]) expect(byModel.get(id), id).toMatchObject({ status: 'done', error: null });
    const missing = byModel.get(absent);
    expect(missing?.status).toBe('failed');
    expect(missing?.error).toMatch(
      /trained:e2e-tiny@20000101T000000Z-absent: this worker has no folder trained\/e2e-tiny\/20000101T000000Z-absent/,
    );
    expect(missing?.error).toMatch(/share that INFERLAB_MODELS_DIR volume, or copy the published folder/);

    const student = await postJson(`${api}/v1/distill`, {
      kind: 'student',
      teacher: job.modelId,
      student: { firstLayers: 1 },
      steps: 6,
      batchSize: 2,
      seqLen: 32,
    });
    expect(student.status, JSON.stringify(student.body)).toBe(201);
    const s = await waitTrain(api, student.body.id, finished, 180_000);
    expect(s.status, s.error ?? '').toBe('done');
    expect(s.modelId).toBe(`trained:kjv-student@${s.version}`);
  });

  it('cancel stops a running job at its next step and keeps its checkpoint', { timeout: 300_000 }, async () => {
    const api = f.platform.apiUrl;
    const created = await postJson(`${api}/v1/train`, { ...tiny, steps: 5000, name: 'e2e-cancel' });
    await waitTrain(api, created.body.id, (j) => (j.progress?.step ?? 0) >= 6, 180_000);
    const res = await postJson(`${api}/v1/train/${created.body.id}/cancel`, {});
    expect(res.status).toBe(202);
    const job = await waitTrain(api, created.body.id, finished, 60_000);
    expect(job.status).toBe('cancelled');
    expect(job.error).toMatch(/cancel/);
    expect(existsSync(join(modelsDir, 'trained', '.checkpoints', created.body.id, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(join(modelsDir, 'trained', 'e2e-cancel'))).toBe(false);
  });
});
