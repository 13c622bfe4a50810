import { PermanentError } from '@inferlab/experiments';
// Knowledge distillation with temperature (Hinton et al. 2015), as in the seed notebook — in float64
// JS, the reference the training graphs' one KD loss (train/ops-loss.ts kdRows / kdLoss) is checked
// against (distill/exit-head-train-graph.test.ts); pinned to numpy in kd-loss.test.ts.
//   loss = T² · KL(p ‖ q),  p = softmax(t/T) (teacher, a constant), q = softmax(s/T) (student).
// Logits are row-major (rows, vocab); the loss is averaged over rows ("batchmean"). Sums run in
// float64 and use log-softmax, so large logits or small T neither overflow nor take log(0).
// Gradient wrt the student: ∂/∂s_i T²·Σ_j p_j(log p_j − log q_j) = T²·(−(1/T))(p_i − q_i)
//   = T·(q_i − p_i) per row, divided by rows for batchmean.

export class KdShapeError extends PermanentError {
  override readonly name = 'KdShapeError';
}

export type KdResult = {
  /** T²·KL averaged over rows. */
  loss: number;
  /** ∂loss/∂studentLogits, same layout as the logits: (rows, vocab). */
  grad: Float64Array;
};

/** log softmax(x[from..from+n) / T) into out[0..n); float64, max-subtracted. */
function logSoftmax(x: ArrayLike<number>, from: number, n: number, temperature: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) max = Math.max(max, (x[from + i] as number) / temperature);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp((x[from + i] as number) / temperature - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = (x[from + i] as number) / temperature - logZ;
}

function checkShapes(teacher: ArrayLike<number>, student: ArrayLike<number>, vocab: number, temperature: number) {
  if (!(temperature > 0)) throw new KdShapeError(`temperature must be > 0, got ${temperature}`);
  if (teacher.length !== student.length) {
    throw new KdShapeError(`teacher has ${teacher.length} logits, student ${student.length}`);
  }
  if (!Number.isInteger(vocab) || vocab < 1 || teacher.length % vocab !== 0 || teacher.length === 0) {
    throw new KdShapeError(`${teacher.length} logits do not split into rows of ${vocab}`);
  }
}

/** Loss and gradient in one pass. `vocab` defaults to one row holding every logit. */
export function kdLossWithGradient(
  teacherLogits: ArrayLike<number>,
  studentLogits: ArrayLike<number>,
  temperature: number,
  vocab: number = teacherLogits.length,
): KdResult {
  checkShapes(teacherLogits, studentLogits, vocab, temperature);
  const rows = teacherLogits.length / vocab;
  const logP = new Float64Array(vocab); // (vocab) teacher, one row at a time
  const logQ = new Float64Array(vocab); // (vocab) student
  const grad = new Float64Array(teacherLogits.length); // (rows, vocab)
  const scale = (temperature * temperature) / rows;
  const gradScale = temperature / rows;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const from = r * vocab;
    logSoftmax(teacherLogits, from, vocab, temperature, logP);
    logSoftmax(studentLogits, from, vocab, temperature, logQ);
    let kl = 0;
    for (let i = 0; i < vocab; i++) {
      const lp = logP[i] as number;
      const lq = logQ[i] as number;
      const p = Math.exp(lp); // underflow to 0 gives a 0 term, the limit of p·log p
      kl += p * (lp - lq);
      grad[from + i] = gradScale * (Math.exp(lq) - p);
    }
    loss += scale * kl;
  }
  return { loss, grad };
}

export function kdLoss(
  teacherLogits: ArrayLike<number>,
  studentLogits: ArrayLike<number>,
  temperature: number,
  vocab: number = teacherLogits.length,
): number {
  return kdLossWithGradient(teacherLogits, studentLogits, temperature, vocab).loss;
}

export function kdLossGradient(
  teacherLogits: ArrayLike<number>,
  studentLogits: ArrayLike<number>,
  temperature: number,
  vocab: number = teacherLogits.length,
): Float64Array {
  return kdLossWithGradient(teacherLogits, studentLogits, temperature, vocab).grad;
}
