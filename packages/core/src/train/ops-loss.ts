import { attr, DataType } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';

// Losses over logits (B, S, V), averaged over the N = B·S positions. The gradients are the
// closed forms (softmax − one-hot, and kd-loss.ts's T·(q − p)), not chains through LogSoftmax.

function rowsV(t: GradTape, logits: string, vocab: number): string {
  return t.g.op('Reshape', [logits, t.g.int64('rows_v', [-1, vocab])]); // (N, V)
}

function rowCount(t: GradTape, rows: string): string {
  const g = t.g;
  return g.op('Cast', [g.op('Gather', [g.op('Shape', [rows]), g.int64('zero', [0], [])])], { to: attr.int(DataType.FLOAT) });
}

/** Next-token cross-entropy: mean of −log softmax(logits)[target]; targets (B, S) int64. */
export function crossEntropy(t: GradTape, logits: string, targets: string, vocab: number): string {
  const g = t.g;
  const rows = rowsV(t, logits, vocab);
  const logP = g.op('LogSoftmax', [rows], { axis: attr.int(-1) }); // (N, V)
  const idx = g.op('Reshape', [targets, g.int64('idx_shape', [-1, 1])]); // (N, 1)
  const picked = g.op('GatherElements', [logP, idx], { axis: attr.int(1) }); // (N, 1)
  const loss = g.op('Neg', [g.op('ReduceMean', [picked], { keepdims: attr.int(0) })]); // scalar
  t.record(() => {
    const dl = t.grad(loss);
    if (dl === undefined) return;
    // (softmax − one-hot)·k with k = dl/N: scale the softmax, then subtract k at each target in
    // place of a one-hot (N, V) tensor (ScatterElements 'add'): two passes over (N, V) fewer.
    const k = g.op('Div', [dl, rowCount(t, rows)]);
    const scaled = g.op('Mul', [g.op('Exp', [logP]), k]);
    const minusK = g.op('Expand', [g.op('Neg', [k]), g.op('Shape', [idx])]); // (N, 1)
    const d = g.op('ScatterElements', [scaled, idx, minusK], { axis: attr.int(1), reduction: attr.string('add') });
    t.accumulate(logits, g.op('Reshape', [d, g.op('Shape', [logits])]));
  });
  return loss;
}

/**
 * T²·KL(softmax(teacher/T) ‖ softmax(student/T)), mean over positions (distill/kd-loss.ts's
 * batchmean); the teacher's logits (B, S, V) are a constant input. ∂student = T·(q − p)/N.
 */
export function kdLoss(t: GradTape, teacherLogits: string, logits: string, vocab: number, temperature: number): string {
  const g = t.g;
  const rows = rowsV(t, logits, vocab);
  const invT = g.float32('inv_t', [1 / temperature]);
  const logP = g.op('LogSoftmax', [g.op('Mul', [rowsV(t, teacherLogits, vocab), invT])], { axis: attr.int(-1) });
  const logQ = g.op('LogSoftmax', [g.op('Mul', [rows, invT])], { axis: attr.int(-1) });
  const p = g.op('Exp', [logP]);
  const kl = g.op('ReduceSum', [g.op('Mul', [p, g.op('Sub', [logP, logQ])]), g.int64('last', [-1])], { keepdims: attr.int(0) }); // (N)
  const loss = g.op('Mul', [g.op('ReduceMean', [kl], { keepdims: attr.int(0) }), g.float32('t_squared', [temperature * temperature])]);
  t.record(() => {
    const dl = t.grad(loss);
    if (dl === undefined) return;
    const k = g.op('Div', [g.op('Mul', [dl, g.float32('t', [temperature])]), rowCount(t, rows)]);
    t.accumulate(logits, g.op('Reshape', [g.op('Mul', [g.op('Sub', [g.op('Exp', [logQ]), p]), k]), g.op('Shape', [logits])]));
  });
  return loss;
}

/** α·a + (1 − α)·b for scalars a, b. */
export function mix(t: GradTape, a: string, b: string, alpha: number): string {
  const g = t.g;
  const wa = g.float32('alpha', [alpha]);
  const wb = g.float32('one_minus_alpha', [1 - alpha]);
  const y = g.op('Add', [g.op('Mul', [a, wa]), g.op('Mul', [b, wb])]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(a, g.op('Mul', [dy, wa]));
    t.accumulate(b, g.op('Mul', [dy, wb]));
  });
  return y;
}
