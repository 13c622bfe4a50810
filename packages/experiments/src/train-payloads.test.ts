import { describe, expect, it } from 'vitest';
import { InvalidTrainRequestError, parseStudentRequest, parseTrainRequest, trainSteps } from './train-payloads.ts';

const issues = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof InvalidTrainRequestError) return Object.fromEntries(err.issues.map((i) => [i.path, i.message]));
    throw err;
  }
  throw new Error('accepted');
};
const shape = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 32 };

describe('parseTrainRequest', () => {
  it('fills defaults and turns a token budget into steps', () => {
    const r = parseTrainRequest({ shape, tokens: 5000, batchSize: 4, seqLen: 64 });
    expect(r).toMatchObject({ kind: 'pretrain', corpus: 'kjv', seed: 1, device: 'cpu', shape: { nPositions: 128, vocabSize: 50257 } });
    expect(trainSteps(r)).toBe(20);
  });

  it('names the field: zero steps, an unknown corpus, a shape too big for the worker, a foreign vocabulary', () => {
    expect(issues(() => parseTrainRequest({ shape, steps: 0 })).steps).toMatch(/at least 1/);
    expect(issues(() => parseTrainRequest({ shape, steps: 1, corpus: 'wiki' })).corpus).toMatch(/"kjv"/);
    const big = { family: 'gpt2', nLayer: 48, nHead: 16, nEmbd: 4096 };
    expect(issues(() => parseTrainRequest({ shape: big, steps: 1 }, { maxTrainBytes: 2 ** 30 })).shape).toMatch(
      /needs about .* GiB .* the worker allows 1\.00 GiB/,
    );
    expect(issues(() => parseTrainRequest({ shape: { ...shape, vocabSize: 8192 }, steps: 1 }))['shape.vocabSize']).toMatch(/GPT-2's BPE/);
    expect(issues(() => parseTrainRequest({ shape, steps: 1, seqLen: 512 })).seqLen).toMatch(/exceeds the model's 128 positions/);
    expect(issues(() => parseTrainRequest({ shape })).steps).toMatch(/exactly one of steps or tokens/);
    expect(issues(() => parseTrainRequest({ steps: 1 })).shape).toMatch(/exactly one of shape/);
  });
});

describe('parseStudentRequest', () => {
  it('takes the teacher’s first layers, with KD defaults', () => {
    const r = parseStudentRequest({ kind: 'student', teacher: 'forge:gpt2-tiny', student: { firstLayers: 1 }, steps: 3 });
    expect(r).toMatchObject({ kind: 'student', temperature: 2, alpha: 0.9, student: { firstLayers: 1 } });
  });

  it('refuses a student whose tokenizer differs from the teacher’s, and a bad α', () => {
    const bad = issues(() =>
      parseStudentRequest({ kind: 'student', teacher: 'forge:gpt2-tiny', student: { ...shape, vocabSize: 32000 }, steps: 1, alpha: 2 }),
    );
    expect(bad['student.vocabSize']).toMatch(/another tokenizer than the teacher/);
    expect(bad.alpha).toMatch(/at most 1/);
    expect(issues(() => parseStudentRequest({ kind: 'student', teacher: 'nope', student: { firstLayers: 1 }, steps: 1 })).teacher).toMatch(
      /invalid model id/,
    );
  });
});
