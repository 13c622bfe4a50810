import { describe, expect, it } from 'vitest';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { BatchSampler } from './batch-sampler.ts';
import { learningRate } from './lr-schedule.ts';
import { estimateTrainMemoryBytes } from './train-memory.ts';
import { resolveModelTrainOptions, type TrainModelOptions, TrainOptionsError } from './train-options.ts';

const spec: ForgeSpec = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 16, nPositions: 32, vocabSize: 50, seed: 1 };
const base: TrainModelOptions = { spec, train: new Int32Array(100), batchSize: 2, seqLen: 16, steps: 10, seed: 1 };

function fieldOf(o: TrainModelOptions): string | undefined {
  try {
    resolveModelTrainOptions(o);
    return undefined;
  } catch (e) {
    if (e instanceof TrainOptionsError) return e.field;
    throw e;
  }
}

describe('training options', () => {
  it('names the field of a bad input', () => {
    expect(fieldOf(base)).toBeUndefined();
    expect(fieldOf({ ...base, steps: 0 })).toBe('steps');
    expect(fieldOf({ ...base, seqLen: 64 })).toBe('seqLen');
    expect(fieldOf({ ...base, train: new Int32Array(10) })).toBe('train');
    expect(fieldOf({ ...base, heldOut: new Int32Array(16) })).toBe('heldOut');
    expect(fieldOf({ ...base, gradAccumulation: 1.5 })).toBe('gradAccumulation');
    const teacher = { vocabSize: 51, logits: async () => new Float32Array(0), release: async () => {} };
    expect(fieldOf({ ...base, objective: { kind: 'kd', temperature: 2, alpha: 0.5, teacher } })).toBe('objective.teacher');
    expect(fieldOf({ ...base, objective: { kind: 'kd', temperature: 0, alpha: 0.5, teacher: { ...teacher, vocabSize: 50 } } })).toBe(
      'objective.temperature',
    );
  });

  it('warms up linearly to the peak, then decays by a cosine to the minimum', () => {
    const s = { peak: 1, min: 0.1, warmupSteps: 4, totalSteps: 14 };
    expect([0, 1, 2, 3].map((i) => learningRate(i, s))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(learningRate(9, s)).toBeCloseTo(0.55, 10); // half way: (peak + min) / 2
    expect(learningRate(14, s)).toBeCloseTo(0.1, 10);
  });

  it('visits every window once per epoch, in a seeded order that differs between epochs', () => {
    const tokens = Int32Array.from({ length: 41 }, (_, i) => i); // 10 windows of 4 (+1)
    const firsts = (seed: number) => {
      const s = new BatchSampler(tokens, 4, seed);
      return Array.from({ length: 20 }, () => Number(s.next(1).inputIds[0]));
    };
    const a = firsts(1);
    expect([...a.slice(0, 10)].sort((x, y) => x - y)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    expect([...a.slice(10)].sort((x, y) => x - y)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    expect(a.slice(10)).not.toEqual(a.slice(0, 10));
    expect(firsts(1)).toEqual(a);
    expect(firsts(2)).not.toEqual(a);
  });

  it('estimates memory that grows with batch, sequence and vocabulary', () => {
    const small = estimateTrainMemoryBytes(spec, 2, 16);
    expect(estimateTrainMemoryBytes(spec, 4, 16)).toBeGreaterThan(small);
    expect(estimateTrainMemoryBytes(spec, 2, 32)).toBeGreaterThan(small);
    expect(estimateTrainMemoryBytes({ ...spec, vocabSize: 500 }, 2, 16)).toBeGreaterThan(small);
    expect(estimateTrainMemoryBytes(spec, 2, 16, true)).toBeGreaterThan(small);
  });
});
