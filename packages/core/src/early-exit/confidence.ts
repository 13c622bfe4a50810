import { PermanentError } from '@inferlab/experiments';
// Early exit's confidence tests on one row of logits (V). Each criterion reduces the row's softmax
// to a statistic and compares it with the threshold:
//   max-prob  max_t p(t)            exits when ≥ threshold   range [1/V, 1]
//   entropy   −Σ p ln p (nats)      exits when ≤ threshold   range [0, ln V]
//   margin    p(top1) − p(top2)     exits when ≥ threshold   range [0, 1]
// "Never" and "always" are expressible: see EXIT_THRESHOLDS.

export type ExitCriterion = 'max-prob' | 'entropy' | 'margin';

export const EXIT_CRITERIA: readonly ExitCriterion[] = ['max-prob', 'entropy', 'margin'];

/**
 * Thresholds that never / always trigger, whatever the logits: max-prob and margin are ≤ 1, so a
 * threshold above 1 never triggers and 0 always does; entropy is ≥ 0 and ≤ ln V (10.83 for GPT-2's
 * 50257), so a negative threshold never triggers and one ≥ ln V always does.
 */
export const EXIT_THRESHOLDS: Record<ExitCriterion, { never: number; always: number }> = {
  'max-prob': { never: 2, always: 0 },
  entropy: { never: -1, always: 1000 },
  margin: { never: 2, always: 0 },
};

export class ExitThresholdError extends PermanentError {
  override readonly name = 'ExitThresholdError';
}

/** Throws unless `threshold` is meaningful for `criterion` (the message names the field and the fix). */
export function checkExitThreshold(criterion: ExitCriterion, threshold: number): void {
  if (!Number.isFinite(threshold)) throw new ExitThresholdError(`decoding.threshold must be a finite number, got ${threshold}`);
  if (criterion !== 'entropy' && threshold < 0) {
    throw new ExitThresholdError(
      `decoding.threshold ${threshold} for ${criterion}: must be ≥ 0 (0 always exits at the first exit layer; above 1 never exits)`,
    );
  }
}

/** The criterion's statistic over logits[offset, offset + vocab), softmax in float64. */
export function exitStatistic(criterion: ExitCriterion, logits: Float32Array, offset: number, vocab: number): number {
  let max = Number.NEGATIVE_INFINITY;
  let second = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) {
    const x = logits[offset + i] as number;
    if (x > max) {
      second = max;
      max = x;
    } else if (x > second) second = x;
  }
  let sum = 0;
  let weighted = 0; // Σ e^(x−max) · (x − max)
  for (let i = 0; i < vocab; i++) {
    const y = (logits[offset + i] as number) - max;
    const e = Math.exp(y);
    sum += e;
    weighted += e * y;
  }
  switch (criterion) {
    case 'max-prob':
      return 1 / sum;
    case 'margin':
      return (1 - Math.exp(second - max)) / sum;
    case 'entropy':
      // H = ln Z − E[y] with y = x − max, Z = Σ e^y; clamped at 0 against rounding.
      return Math.max(0, Math.log(sum) - weighted / sum);
  }
}

export function isConfident(criterion: ExitCriterion, statistic: number, threshold: number): boolean {
  return criterion === 'entropy' ? statistic <= threshold : statistic >= threshold;
}
