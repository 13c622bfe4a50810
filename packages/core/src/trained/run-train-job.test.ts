import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStudentRequest, parseTrainRequest, type TrainJob, type TrainProgressPayload } from '@inferlab/experiments';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainCancelledError } from '../train/train-model.ts';
import { TRAINING_CARD_FILE } from '../train/trained-folder.ts';
import { runTrainJob } from './run-train-job.ts';

// A real tiny job on the KJV corpus (Debian bible-kjv): cancelled mid-way it keeps its checkpoint,
// the retry resumes from it, publishes one folder, and a third attempt returns that folder.

const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-train-job-'));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));
const ctx = (extra: Partial<Parameters<typeof runTrainJob>[1]> = {}) => ({
  modelsDir,
  modelRoots: [modelsDir],
  threads: 1,
  workerId: 'w-test',
  gitCommit: 'abc123',
  onProgress: () => {},
  ...extra,
});
const shape = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 32 };
const job: TrainJob = {
  trainId: 'job-1',
  request: parseTrainRequest({ shape, steps: 6, batchSize: 2, seqLen: 16, evalEvery: 3, checkpointEvery: 1, name: 'tiny' }),
  createdAt: '2026-12-03T10:00:00.000Z',
};

describe('runTrainJob', () => {
  it('cancelled: keeps the checkpoint; retried: resumes there and publishes one version; again: reuses it', async () => {
    const abort = new AbortController();
    const onProgress = (p: TrainProgressPayload) => {
      if (p.step === 2) abort.abort();
    };
    const first = runTrainJob(job, ctx({ signal: abort.signal, onProgress }));
    await expect(first).rejects.toBeInstanceOf(TrainCancelledError);
    expect(existsSync(join(modelsDir, 'trained', '.checkpoints', 'job-1', 'checkpoint.safetensors'))).toBe(true);

    let resumedFrom = -1;
    const steps: number[] = [];
    const done = await runTrainJob(job, ctx({ onStart: (s) => (resumedFrom = s), onProgress: (p) => steps.push(p.step) }));
    expect(resumedFrom).toBe(2);
    expect(steps).toEqual([3, 4, 5, 6]);
    expect(done).toMatchObject({ version: '20261203T100000Z-job1', steps: 6, tokensSeen: 6 * 32, reused: false });
    const folder = join(modelsDir, 'trained', 'tiny', done.version);
    expect(done.modelId).toBe(`trained:tiny@${done.version}`);
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'model.safetensors', TRAINING_CARD_FILE])
      expect(existsSync(join(folder, f))).toBe(true);
    const card = JSON.parse(readFileSync(join(folder, TRAINING_CARD_FILE), 'utf8'));
    expect(card).toMatchObject({
      modelId: done.modelId,
      version: done.version,
      corpus: { id: expect.stringContaining('kjv') },
      steps: 6,
      worker: 'w-test',
      gitCommit: 'abc123',
      resumedFrom: 2,
    });
    expect(card.losses).toHaveLength(6);
    expect(done.heldOutPerplexity).toBeCloseTo(Math.exp(done.heldOutLoss ?? 0), 6);
    expect(existsSync(join(modelsDir, 'trained', '.checkpoints', 'job-1'))).toBe(false);

    const again = await runTrainJob(job, ctx());
    expect(again).toMatchObject({ modelId: done.modelId, reused: true, steps: 6 });
    expect(readdirSync(join(modelsDir, 'trained', 'tiny'))).toEqual([done.version]);
  }, 180_000);

  it('distils a student from the trained model’s first layer, naming the teacher by its trained: id', async () => {
    const teacher = 'trained:tiny@20261203T100000Z-job1';
    const request = parseStudentRequest({
      kind: 'student',
      teacher,
      student: { firstLayers: 1 },
      steps: 2,
      batchSize: 2,
      seqLen: 16,
      name: 'tiny-student',
    });
    const out = await runTrainJob({ trainId: 'job-2', request, createdAt: '2026-12-03T10:01:00.000Z' }, ctx());
    expect(out).toMatchObject({ modelId: `trained:tiny-student@${out.version}`, steps: 2, heldOutPerplexity: null, reused: false });
    const config = JSON.parse(readFileSync(join(modelsDir, 'trained', 'tiny-student', out.version, 'config.json'), 'utf8'));
    expect(config.n_layer).toBe(1);
  }, 180_000);
});
