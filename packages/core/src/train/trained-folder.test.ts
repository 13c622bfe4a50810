import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { emptyPast, maxAbsDiff, step } from '../forge/test-helpers.ts';
import { MODEL_FILE } from '../forge/write-forge-folder.ts';
import { loadTeacher } from './teacher-session.ts';
import { trainModel } from './train-model.ts';
import { TrainSession } from './train-session.ts';
import { TRAINING_CARD_FILE, TrainedFolderError, writeTrainedFolder } from './trained-folder.ts';

// Trained weights leave through the checkpoint import path; the inference graph built there must
// give the logits the training forward gave, and a KD run reads its teacher's logits from that
// folder's own inference session.

const V = 50;
const GPT2: ForgeSpec = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 32, vocabSize: V, seed: 8 };
const LLAMA: ForgeSpec = {
  family: 'llama',
  nLayer: 2,
  hidden: 16,
  nHead: 4,
  nKvHead: 2,
  headDim: 4,
  intermediate: 40,
  maxPositions: 32,
  vocabSize: V,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: false,
  seed: 9,
};
const train = Int32Array.from({ length: 600 }, (_, i) => (i * i + 3 * i) % V);
const root = mkdtempSync(join(tmpdir(), 'inferlab-trained-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function trainAndExport(spec: ForgeSpec, name: string) {
  const r = await trainModel({ spec, train, batchSize: 2, seqLen: 16, steps: 15, learningRate: { peak: 3e-3 }, seed: 1, threads: 1 });
  const dir = join(root, name);
  writeTrainedFolder(dir, { name, spec, weights: r.weights, card: { steps: r.steps, losses: r.losses } });
  return { dir, weights: r.weights };
}

describe('writeTrainedFolder', () => {
  for (const spec of [GPT2, LLAMA]) {
    it(`${spec.family}: the folder's inference graph gives the training forward's logits`, async () => {
      const { dir, weights } = await trainAndExport(spec, `${spec.family}-eq`);
      for (const file of ['config.json', MODEL_FILE, 'model.safetensors', TRAINING_CARD_FILE])
        expect(existsSync(join(dir, file))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, TRAINING_CARD_FILE), 'utf8')).steps).toBe(15);

      const ids = [
        [3, 9, 27, 4, 4, 11, 0, 49],
        [8, 1, 30, 22, 5, 17, 2, 6],
      ];
      const S = 8;
      const session = await TrainSession.create(spec, weights, {
        loss: { kind: 'ce' },
        grads: false,
        logits: true,
        threads: 1,
        executionProvider: 'cpu',
      });
      const flat = BigInt64Array.from(ids.flat(), BigInt);
      const trained = (await session.run({ inputIds: flat, targets: flat, batch: 2, seq: S })).logits as Float32Array;
      await session.release();
      const inference = await ort.InferenceSession.create(join(dir, MODEL_FILE));
      const positions = ids.map((row) => row.map((_, i) => i));
      const served = await step(
        inference,
        spec,
        ids,
        ids.map((row) => row.map(() => 1)),
        positions,
        emptyPast(spec, 2),
      );
      await inference.release();
      const diff = maxAbsDiff(trained, served.logits);
      console.log(`${spec.family}: max |training − inference| logit ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    });
  }

  it('refuses to overwrite a published folder', () => {
    const dir = join(root, 'gpt2-eq');
    expect(() => writeTrainedFolder(dir, { name: 'x', spec: GPT2, weights: new Map(), card: {} })).toThrow(TrainedFolderError);
  });

  it('KD: a student equal to its teacher has zero T²·KL, and KD training lowers it for another student', async () => {
    const teacherDir = join(root, 'gpt2-eq');
    const teacher = await loadTeacher(teacherDir, 1);
    const { weights: teacherWeights } = await trainAndExport({ ...GPT2 }, 'gpt2-teacher-copy'); // same seed and data: the same weights
    const kd = { kind: 'kd' as const, temperature: 2, alpha: 1, teacher };
    const self = await trainModel({
      spec: GPT2,
      initialWeights: teacherWeights,
      train,
      heldOut: train.subarray(0, 200),
      batchSize: 2,
      seqLen: 16,
      steps: 1,
      learningRate: { peak: 1e-9 },
      seed: 1,
      threads: 1,
      objective: kd,
    });
    expect(self.losses[0]).toBeLessThan(1e-5);

    const student: ForgeSpec = { ...GPT2, nLayer: 1, seed: 10 };
    const r = await trainModel({
      spec: student,
      train,
      batchSize: 2,
      seqLen: 16,
      steps: 40,
      learningRate: { peak: 1e-2, warmupSteps: 5 },
      seed: 1,
      threads: 1,
      objective: kd,
    });
    await teacher.release();
    console.log(`KD student: loss ${r.losses[0]?.toFixed(3)} → ${r.losses.at(-1)?.toFixed(3)}`);
    expect(r.losses.at(-1)).toBeLessThan(0.5 * (r.losses[0] as number));
  });
});
