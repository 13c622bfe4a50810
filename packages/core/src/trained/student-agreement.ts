import { sequentialBatches } from '../train/batch-sampler.ts';
import type { TeacherLogits } from '../train/teacher-session.ts';

// How close a student is to its teacher on held-out text, each read from its own inference graph:
// the mean per-token KL(teacher ‖ student) at temperature 1 (nats) and how often their argmax agree.

/** kl, top1: student vs teacher; teacherCe, studentCe: each one's held-out cross-entropy on the next tokens (nats). */
export type StudentAgreement = { kl: number; top1: number; teacherCe: number; studentCe: number; tokens: number };

/** log-softmax of row `r` of a (rows, V) array into `out`. */
function logSoftmax(logits: Float32Array, r: number, v: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < v; j++) max = Math.max(max, logits[r * v + j] as number);
  let sum = 0;
  for (let j = 0; j < v; j++) sum += Math.exp((logits[r * v + j] as number) - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < v; j++) out[j] = (logits[r * v + j] as number) - lse;
}

function argmax(a: Float64Array): number {
  let best = 0;
  for (let j = 1; j < a.length; j++) if ((a[j] as number) > (a[best] as number)) best = j;
  return best;
}

export async function studentAgreement(
  teacher: TeacherLogits,
  student: TeacherLogits,
  heldOut: Int32Array,
  options: { seqLen: number; windows: number; batch?: number },
): Promise<StudentAgreement> {
  const v = teacher.vocabSize;
  const lt = new Float64Array(v); // (V,) teacher log-probabilities of one position
  const ls = new Float64Array(v);
  let kl = 0;
  let agree = 0;
  let teacherCe = 0;
  let studentCe = 0;
  let tokens = 0;
  for (const batch of sequentialBatches(heldOut, options.seqLen, options.batch ?? 4, options.windows)) {
    const t = await teacher.logits(batch); // (B, S, V)
    const s = await student.logits(batch);
    for (let r = 0; r < batch.batch * batch.seq; r++) {
      logSoftmax(t, r, v, lt);
      logSoftmax(s, r, v, ls);
      for (let j = 0; j < v; j++) kl += Math.exp(lt[j] as number) * ((lt[j] as number) - (ls[j] as number));
      if (argmax(lt) === argmax(ls)) agree++;
      const target = Number(batch.targets[r]);
      teacherCe -= lt[target] as number;
      studentCe -= ls[target] as number;
      tokens++;
    }
  }
  return { kl: kl / tokens, top1: agree / tokens, teacherCe: teacherCe / tokens, studentCe: studentCe / tokens, tokens };
}
