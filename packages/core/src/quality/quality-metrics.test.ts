import { describe, expect, it } from 'vitest';
import { commonPrefixLength, logSoftmaxRow, perplexity, QualityError, teacherForcedQuality } from './quality-metrics.ts';

// V = 2, ids [0, 1, 0]: two scored positions.
const IDS = [0, 1, 0];
const REF = Float32Array.from([0, 0, 0, 0, 9, 9]); // uniform rows: p = 1/2 everywhere (last row unused)
const VAR = Float32Array.from([Math.log(3), 0, 0, 0, 0, 0]); // row 0: p = (3/4, 1/4); row 1 uniform

describe('quality metrics', () => {
  it('log-softmax is stable for large logits', () => {
    expect(Array.from(logSoftmaxRow(Float32Array.from([1000, 1000]), 0, 2))).toEqual([-Math.LN2, -Math.LN2]);
  });

  it('perplexity of a uniform 2-way model is 2', () => {
    expect(perplexity(REF, IDS, 2)).toBeCloseTo(2, 12);
    expect(() => perplexity(REF, [0], 2)).toThrow(QualityError);
  });

  it('hand-checked agreement, KL and perplexity', () => {
    const q = teacherForcedQuality(REF, VAR, IDS, 2);
    expect(q.positions).toBe(2);
    // argmax of a uniform row is 0 (first index), so both rows agree.
    expect(q.top1Agreement).toBe(1);
    // KL(uniform ‖ (3/4, 1/4)) = ½ ln(½ / ¾) + ½ ln(½ / ¼) = ½ ln(4/3); row 1: 0. Mean over 2.
    expect(q.meanKl).toBeCloseTo(0.5 * Math.log(4 / 3) * 0.5, 6);
    // p(ids[1] = 1 | row 0) = 1/4, p(ids[2] = 0 | row 1) = 1/2 → exp(−(ln ¼ + ln ½) / 2) = √8.
    expect(q.perplexity).toBeCloseTo(Math.sqrt(8), 6);
    expect(teacherForcedQuality(REF, REF, IDS, 2)).toMatchObject({ top1Agreement: 1, meanKl: 0, perplexity: 2 });
  });

  it('common greedy prefix', () => {
    expect(commonPrefixLength([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(commonPrefixLength([1, 2], [1, 2])).toBe(2);
    expect(commonPrefixLength([], [1])).toBe(0);
  });
});
