import { attr, DataType } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';
import { meanLastAxis, reshape } from './ops-basic.ts';

// Losses over logits (B, S, V), averaged over the N = B·S positions (kdRows keeps one loss per row,
// for callers that average otherwise: the exit heads, one mean per head). The gradients are the
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
    t.accumulate(logits, () => g.op('Reshape', [d, g.op('Shape', [logits])]));
  });
  return loss;
}

/**
 * T²·KL(softmax(teacher/T) ‖ softmax(student/T)) per row — the one KD loss of the training graphs
 * (distill/kd-loss.ts is its float64 reference). Student logits (…, V); the teacher's, a constant,
 * broadcast against them: (…, V), or fewer leading dims when L exit heads share one teacher (B, V)
 * against (L, B, V). → (…). ∂student = T·(q − p)·d, d the row's incoming gradient.
 */
export function kdRows(t: GradTape, teacherLogits: string, logits: string, temperature: number): string {
  const g = t.g;
  const invT = g.float32('inv_t', [1 / temperature]);
  const logP = g.op('LogSoftmax', [g.op('Mul', [teacherLogits, invT])], { axis: attr.int(-1) });
  const logQ = g.op('LogSoftmax', [g.op('Mul', [logits, invT])], { axis: attr.int(-1) });
  const p = g.op('Exp', [logP]);
  const kl = g.op('ReduceSum', [g.op('Mul', [p, g.op('Sub', [logP, logQ])]), g.int64('last', [-1])], { keepdims: attr.int(0) }); // (…)
  const rows = g.op('Mul', [kl, g.float32('t_squared', [temperature * temperature])]);
  t.record(() => {
    const d = t.grad(rows);
    if (d === undefined) return;
    const k = g.op('Unsqueeze', [g.op('Mul', [d, g.float32('t', [temperature])]), g.int64('last', [-1])]); // (…, 1)
    t.accumulate(logits, () => g.op('Mul', [g.op('Sub', [g.op('Exp', [logQ]), p]), k]));
  });
  return rows;
}

/** KD over logits (B, S, V), mean over the N = B·S positions (kd-loss.ts's batchmean): a scalar. */
export function kdLoss(t: GradTape, teacherLogits: string, logits: string, vocab: number, temperature: number): string {
  return meanLastAxis(t, kdRows(t, rowsV(t, teacherLogits, vocab), reshape(t, logits, [-1, vocab]), temperature));
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
    t.accumulate(a, () => g.op('Mul', [dy, wa]));
    t.accumulate(b, () => g.op('Mul', [dy, wb]));
  });
  return y;
}
