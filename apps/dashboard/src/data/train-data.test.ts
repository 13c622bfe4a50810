import type { TrainJobView } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { anyTraining, lossCurveSpec, newExperimentHref } from './train-data.ts';

const job = {
  id: 't1',
  status: 'running',
  request: { name: 'kjv-tiny' },
  curve: [
    { step: 1, trainLoss: 10.9 },
    { step: 2, trainLoss: 9.5, heldOutLoss: 9.7 },
  ],
} as unknown as TrainJobView;

describe('train data', () => {
  it('draws the held-out loss only where it was evaluated', () => {
    const spec = lossCurveSpec(job);
    expect(spec.x).toEqual([1, 2]);
    expect(spec.series).toEqual([
      { label: 'train', values: [10.9, 9.5] },
      { label: 'held-out', values: [null, 9.7] },
    ]);
  });
  it('links a model id to a prefilled Submit view, and knows when to keep polling', () => {
    expect(newExperimentHref('dir:/m/trained/x/v 1')).toBe('/submit?model=dir%3A%2Fm%2Ftrained%2Fx%2Fv%201');
    expect(anyTraining([job])).toBe(true);
    expect(anyTraining([{ ...job, status: 'done' }])).toBe(false);
  });
});
