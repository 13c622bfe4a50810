import { describe, expect, it } from 'vitest';
import { tick } from './plot-spec.ts';

describe('axis ticks', () => {
  it('keep small values apart instead of rounding them to 0', () => {
    expect([0, 0.0001, 0.0002, 0.0003].map(tick)).toEqual(['0', '1.0e-4', '2.0e-4', '3.0e-4']);
    expect([0.25, 1, 12.345, 250].map(tick)).toEqual(['0.25', '1', '12.3', '250']);
  });
});
