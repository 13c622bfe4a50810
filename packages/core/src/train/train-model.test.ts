import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'gpt-3-encoder';
import { afterAll, describe, expect, it } from 'vitest';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { CHECKPOINT_FILE } from './checkpoint.ts';
import { TrainCancelledError, trainModel } from './train-model.ts';
import type { TrainModelOptions } from './train-options.ts';

// The loop end to end on real sessions: a tiny model memorises a 64-token text; a run stopped at a
// checkpoint and resumed takes exactly the steps an uninterrupted run takes.

const TEXT =
  'In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters. And God said, Let there be light: and there was light. And God saw the light, that it was good: and God divided the light from the darkness.';
const gpt2Ids = encode(TEXT).slice(0, 65); // 64 inputs + the last target
const vocab = [...new Set(gpt2Ids)];
/** The text's GPT-2 tokens renumbered 0..n−1, so the tiny model's vocabulary is only what the text uses. */
const tokens = Int32Array.from(gpt2Ids, (id) => vocab.indexOf(id));

const GPT2: ForgeSpec = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32, nPositions: 64, vocabSize: vocab.length, seed: 3 };
const LLAMA: ForgeSpec = {
  family: 'llama',
  nLayer: 2,
  hidden: 32,
  nHead: 4,
  nKvHead: 2,
  headDim: 8,
  intermediate: 64,
  maxPositions: 64,
  vocabSize: vocab.length,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  seed: 4,
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('trainModel', () => {
  it('the 64-token text has 64 training positions', () => {
    expect(tokens.length).toBe(65);
  });

  for (const spec of [GPT2, LLAMA]) {
    it(`${spec.family}: a tiny model overfits a 64-token text to near-zero loss`, async () => {
      const started = performance.now();
      const r = await trainModel({
        spec,
        train: tokens,
        batchSize: 1,
        seqLen: 64,
        steps: 150,
        learningRate: { peak: 1e-2, min: 1e-3, warmupSteps: 10 },
        adamw: { weightDecay: 0 },
        seed: 1,
        threads: 1,
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${spec.family} overfit: loss ${r.losses[0]?.toFixed(3)} → ${r.losses.at(-1)?.toFixed(4)} in ${r.steps} steps, ${seconds.toFixed(1)} s`,
      );
      expect(r.losses[0]).toBeGreaterThan(Math.log(vocab.length) - 0.5);
      expect(r.losses.at(-1)).toBeLessThan(0.05);
    });
  }

  it('resuming from a checkpoint gives the losses and weights of an uninterrupted run', async () => {
    const base: TrainModelOptions = {
      spec: GPT2,
      train: Int32Array.from({ length: 400 }, (_, i) => tokens[(i * 7) % tokens.length] as number),
      batchSize: 2,
      seqLen: 16,
      steps: 10,
      gradAccumulation: 2,
      learningRate: { peak: 3e-3, warmupSteps: 3 },
      seed: 7,
      threads: 1,
      checkpointEvery: 5,
    };
    const whole = await trainModel(base);

    const dir = mkdtempSync(join(tmpdir(), 'inferlab-train-'));
    dirs.push(dir);
    const stop = new AbortController();
    await expect(
      trainModel(base, { checkpointDir: dir, signal: stop.signal, onProgress: (p) => (p.step === 5 ? stop.abort() : undefined) }),
    ).rejects.toThrow(TrainCancelledError);
    expect(readdirSync(dir)).toEqual([CHECKPOINT_FILE]); // no temporary file left behind
    const resumed = await trainModel(base, { checkpointDir: dir });

    expect(resumed.resumedFrom).toBe(5);
    expect(resumed.losses).toEqual(whole.losses); // steps 1..5 from the checkpoint, 6..10 recomputed
    for (const [name, w] of whole.weights) expect(resumed.weights.get(name)?.data).toEqual(w.data);
  });
});
