import { attr, DataType } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';

// Differentiable elementwise, shape and linear ops. Shapes in comments: (…) any leading dims.

/** a + b, same shape (the residual add). */
export function add(t: GradTape, a: string, b: string): string {
  const y = t.g.op('Add', [a, b]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(a, dy);
    t.accumulate(b, dy);
  });
  return y;
}

/** x · c for a constant scalar c. */
export function scale(t: GradTape, x: string, c: number): string {
  const k = t.g.float32('scale', [c]);
  const y = t.g.op('Mul', [x, k]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy !== undefined) t.accumulate(x, () => t.g.op('Mul', [dy, k]));
  });
  return y;
}

/** Reshape to a constant shape (0 copies a dim, −1 infers one). */
export function reshape(t: GradTape, x: string, shape: number[]): string {
  const y = t.g.op('Reshape', [x, t.g.int64('shape', shape)]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy !== undefined) t.accumulate(x, () => t.g.op('Reshape', [dy, t.g.op('Shape', [x])]));
  });
  return y;
}

export function transpose(t: GradTape, x: string, perm: number[]): string {
  const y = t.g.op('Transpose', [x], { perm: attr.ints(perm) });
  const inverse = perm.map((_, i) => perm.indexOf(i));
  t.record(() => {
    const dy = t.grad(y);
    if (dy !== undefined) t.accumulate(x, () => t.g.op('Transpose', [dy], { perm: attr.ints(inverse) }));
  });
  return y;
}

/** Splits the last axis into pieces of `sizes`; the backward concatenates their gradients (zeros where one has none). */
export function splitLast(t: GradTape, x: string, sizes: number[]): string[] {
  const ys = t.g.node('Split', [x, t.g.int64('split', sizes)], sizes.length, { axis: attr.int(-1) });
  t.record(() => {
    const grads = ys.map((y) => t.grad(y));
    if (grads.every((d) => d === undefined)) return;
    const parts = grads.map((d, i) => d ?? t.g.op('Mul', [ys[i] as string, t.g.float32('zero', [0])]));
    t.accumulate(x, () => t.g.op('Concat', parts, { axis: attr.int(-1) }));
  });
  return ys;
}

/**
 * x (…, K) · w (K, N) → (…, N). The backward flattens the leading dims to rows: ∂w = xᵀ·dy and
 * ∂x = dy·wᵀ as Gemm with transA/transB, so no transposed copy of x or w is materialised.
 */
export function linear(t: GradTape, x: string, w: string, k: number, n: number): string {
  const y = t.g.op('MatMul', [x, w]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const dy2 = t.g.op('Reshape', [dy, t.g.int64('rows_n', [-1, n])]); // (rows, N)
    const x2 = () => t.g.op('Reshape', [x, t.g.int64('rows_k', [-1, k])]); // (rows, K)
    t.accumulate(w, () => t.g.op('Gemm', [x2(), dy2], { transA: attr.int(1) })); // (K, N)
    t.accumulate(x, () => t.g.op('Reshape', [t.g.op('Gemm', [dy2, w], { transB: attr.int(1) }), t.g.op('Shape', [x])]));
  });
  return y;
}

/**
 * One product per group: a (G, M, K) · b (G, K, N) → (G, M, N), e.g. L exit heads each with its own
 * (D, D) matrix. ∂a = dy·bᵀ, ∂b = aᵀ·dy per group (MatMul has no transpose flags; the transposed
 * copies are of a and b, never of the (…, V) side).
 */
export function batchedMatMul(t: GradTape, a: string, b: string): string {
  const y = t.g.op('MatMul', [a, b]);
  const swap = (x: string) => t.g.op('Transpose', [x], { perm: attr.ints([0, 2, 1]) });
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(a, () => t.g.op('MatMul', [dy, swap(b)])); // (G, M, N)·(G, N, K)
    t.accumulate(b, () => t.g.op('MatMul', [swap(a), dy])); // (G, K, M)·(G, M, N)
  });
  return y;
}

/** x (…, N) + b (N). */
export function addBias(t: GradTape, x: string, b: string, n: number): string {
  const y = t.g.op('Add', [x, b]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(x, dy);
    t.accumulate(b, () => sumRows(t, dy, n));
  });
  return y;
}

/** Σ over every leading dim of x (…, N) → (N). */
export function sumRows(t: GradTape, x: string, n: number): string {
  const rows = t.g.op('Reshape', [x, t.g.int64('rows_n', [-1, n])]);
  return t.g.op('ReduceSum', [rows, t.g.int64('axis0', [0])], { keepdims: attr.int(0) });
}

/** Mean over the last axis, kept: (…, N) → (…, 1). */
export function meanLast(t: GradTape, x: string): string {
  return t.g.op('ReduceMean', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) });
}

/** Mean over the last axis, dropped: (…, N) → (…); the backward spreads dy/N over the N entries. */
export function meanLastAxis(t: GradTape, x: string): string {
  const g = t.g;
  const y = g.op('ReduceMean', [x], { axes: attr.ints([-1]), keepdims: attr.int(0) });
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    t.accumulate(x, () => {
      const n = g.op('Cast', [g.op('Gather', [g.op('Shape', [x]), g.int64('last', [-1], [])])], { to: attr.int(DataType.FLOAT) });
      return g.op('Expand', [g.op('Div', [g.op('Unsqueeze', [dy, g.int64('last', [-1])]), n]), g.op('Shape', [x])]);
    });
  });
  return y;
}

/** x (B, …) + y (…): y broadcast over the leading batch axis (GPT-2's position embeddings). */
export function addOverBatch(t: GradTape, x: string, y: string): string {
  const out = t.g.op('Add', [x, y]);
  t.record(() => {
    const d = t.grad(out);
    if (d === undefined) return;
    t.accumulate(x, d);
    t.accumulate(y, () => t.g.op('ReduceSum', [d, t.g.int64('axis0', [0])], { keepdims: attr.int(0) }));
  });
  return out;
}
