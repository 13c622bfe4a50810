import { describe, expect, it } from 'vitest';
import { distillPercent } from './distill-row.ts';

describe('distillPercent', () => {
  it('is the share of the current phase steps, 0 before any progress', () => {
    expect(distillPercent(null)).toBe(0);
    expect(distillPercent({ phase: 'train', step: 3, totalSteps: 8, epoch: 1 })).toBe(38);
    expect(distillPercent({ phase: 'evaluate', step: 8, totalSteps: 8, epoch: 1 })).toBe(100);
  });
  it('never exceeds 100 nor divides by zero', () => {
    expect(distillPercent({ phase: 'teacher', step: 0, totalSteps: 0, epoch: 0 })).toBe(0);
    expect(distillPercent({ phase: 'train', step: 9, totalSteps: 8, epoch: 2 })).toBe(100);
  });
});
