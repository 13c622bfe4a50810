import { PermanentError } from '@inferlab/experiments';
// Quality of a variant against the fp32 reference on one teacher-forced text (docs/metrics.md
// "Quality"). Logits are (T, V) row-major for tokens ids[0..T); position t predicts ids[t + 1],
// so T − 1 positions are scored.
//   perplexity       = exp(−mean_t log p(ids[t+1] | ids[..t]))         (of the variant itself)
//   top1Agreement    = share of positions where argmax p_variant = argmax p_ref
//   meanKl           = mean_t Σ_v p_ref(v) · (log p_ref(v) − log p_variant(v))   (nats)
// Softmax in float64 with the max subtracted (logits of random-weight models can be large).

export type TeacherForcedQuality = { positions: number; perplexity: number; top1Agreement: number; meanKl: number };

export class QualityError extends PermanentError {
  override readonly name = 'QualityError';
}

/** log-softmax of row t of (T, V) logits, float64. */
export function logSoftmaxRow(logits: Float32Array, t: number, vocab: number): Float64Array {
  const row = logits.subarray(t * vocab, (t + 1) * vocab);
  let max = Number.NEGATIVE_INFINITY;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const logSum = Math.log(sum);
  return Float64Array.from(row, (v) => v - max - logSum);
}

function argmax(xs: Float64Array): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) > (xs[best] as number)) best = i;
  return best;
}

export function perplexity(logits: Float32Array, ids: readonly number[], vocab: number): number {
  if (ids.length < 2 || logits.length !== ids.length * vocab) throw new QualityError(`need (T ≥ 2, V) logits for ${ids.length} ids`);
  let nll = 0;
  for (let t = 0; t + 1 < ids.length; t++) nll -= logSoftmaxRow(logits, t, vocab)[ids[t + 1] as number] as number;
  return Math.exp(nll / (ids.length - 1));
}

export function teacherForcedQuality(
  ref: Float32Array,
  variant: Float32Array,
  ids: readonly number[],
  vocab: number,
): TeacherForcedQuality {
  if (ref.length !== variant.length) throw new QualityError(`reference has ${ref.length} logits, variant ${variant.length}`);
  const positions = ids.length - 1;
  let agree = 0;
  let kl = 0;
  for (let t = 0; t < positions; t++) {
    const p = logSoftmaxRow(ref, t, vocab);
    const q = logSoftmaxRow(variant, t, vocab);
    if (argmax(p) === argmax(q)) agree++;
    for (let v = 0; v < vocab; v++) {
      const lp = p[v] as number;
      kl += Math.exp(lp) * (lp - (q[v] as number));
    }
  }
  return { positions, perplexity: perplexity(variant, ids, vocab), top1Agreement: agree / positions, meanKl: kl / positions };
}

/** Length of the common prefix of two token sequences. */
export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
