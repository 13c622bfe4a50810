import { attr, DataType } from '../onnx/index.ts';
import type { GradTape } from './grad-tape.ts';

// Causal self-attention and rotary embeddings with their backward. Queries are grouped
// (B, G, R, S, hd) over keys/values (B, G, 1, S, hd): R query heads share one K/V head (Llama's GQA,
// the inference graph's broadcast); GPT-2 is R = 1. Training sequences start at position 0 with no
// padding, so the mask is the inference graph's bias with past 0 and an all-ones attention_mask.

/** float32 min, as forge/gpt2-mask.ts: a masked score's softmax weight is exactly 0. */
const MASK_MIN = -3.4028234663852886e38;

/** (S, S) additive bias from the sequence length of `ids` (B, S): 0 where key j ≤ query i. */
export function causalBias(t: GradTape, ids: string): string {
  const g = t.g;
  const seq = g.op('Gather', [g.op('Shape', [ids]), g.int64('one', [1], [])], { axis: attr.int(0) }); // scalar S
  const pos = g.op('Range', [g.int64('zero', [0], []), seq, g.int64('one', [1], [])]); // (S)
  const allowed = g.op('LessOrEqual', [
    g.op('Unsqueeze', [pos, g.int64('axes0', [0])]), // keys (1, S)
    g.op('Unsqueeze', [pos, g.int64('axes1', [1])]), // queries (S, 1)
  ]);
  return g.op('Where', [allowed, g.float32('bias_keep', [0]), g.float32('bias_masked', [MASK_MIN])]);
}

/** Positions 0..S−1 of `ids` (B, S) as int64 (S). */
export function positions(t: GradTape, ids: string): string {
  const g = t.g;
  const seq = g.op('Gather', [g.op('Shape', [ids]), g.int64('one', [1], [])], { axis: attr.int(0) });
  return g.op('Range', [g.int64('zero', [0], []), seq, g.int64('one', [1], [])]);
}

/**
 * softmax(q·kᵀ·scale + bias)·v with q (B, G, R, S, hd), k and v (B, G, 1, S, hd) → (B, G, R, S, hd).
 * q is scaled before the product, as the inference graphs do. With P the probabilities and qs = q·scale:
 *   ∂v = Σ_R Pᵀ·dy,  dP = dy·vᵀ,  dZ = P·(dP − Σ_j dP·P),  ∂q = dZ·k·scale,  ∂k = Σ_R dZᵀ·qs.
 */
export function causalAttention(t: GradTape, q: string, k: string, v: string, bias: string, scale: number): string {
  const g = t.g;
  const swap = (x: string) => g.op('Transpose', [x], { perm: attr.ints([0, 1, 2, 4, 3]) });
  const qs = g.op('Mul', [q, g.float32('attn_scale', [scale])]);
  const probs = g.op('Softmax', [g.op('Add', [g.op('MatMul', [qs, swap(k)]), bias])], { axis: attr.int(-1) }); // (B, G, R, S, S)
  const y = g.op('MatMul', [probs, v]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const groupSum = (x: string) => g.op('ReduceSum', [x, g.int64('group_axis', [2])], { keepdims: attr.int(1) });
    t.accumulate(v, () => groupSum(g.op('MatMul', [swap(probs), dy])));
    const dP = g.op('MatMul', [dy, swap(v)]); // (B, G, R, S, S)
    const rowDot = g.op('ReduceSum', [g.op('Mul', [dP, probs]), g.int64('last', [-1])], { keepdims: attr.int(1) });
    const dZ = g.op('Mul', [probs, g.op('Sub', [dP, rowDot])]);
    t.accumulate(q, () => g.op('Mul', [g.op('MatMul', [dZ, k]), g.float32('attn_scale', [scale])]));
    t.accumulate(k, () => groupSum(g.op('MatMul', [swap(dZ), qs])));
  });
  return y;
}

/** RoPE tables gathered at positions 0..S−1: cos, sin (S, hd), broadcast over (B, heads, S, hd). */
export type RopeInputs = { cos: string; sin: string; half: number };

export function ropeInputs(
  t: GradTape,
  ids: string,
  cos: Float32Array,
  sin: Float32Array,
  maxPositions: number,
  headDim: number,
): RopeInputs {
  const g = t.g;
  const pos = positions(t, ids);
  const table = (name: string, data: Float32Array) =>
    g.op('Gather', [g.initializer(name, DataType.FLOAT, [maxPositions, headDim], data), pos], { axis: attr.int(0) });
  return { cos: table('rope_cos', cos), sin: table('rope_sin', sin), half: headDim / 2 };
}

/**
 * x·cos + rotate_half(x)·sin, rotate_half([x₁, x₂]) = [−x₂, x₁] (forge/llama/llama-rope.ts).
 * rotate_half is linear with transpose [g₁, g₂] → [g₂, −g₁], so ∂x = dy·cos + rotᵀ(dy·sin).
 */
export function rope(t: GradTape, x: string, r: RopeInputs): string {
  const g = t.g;
  const halves = g.int64('rope_halves', [r.half, r.half]);
  const [x1, x2] = g.node('Split', [x, halves], 2, { axis: attr.int(-1) }) as [string, string];
  const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: attr.int(-1) });
  const y = g.op('Add', [g.op('Mul', [x, r.cos]), g.op('Mul', [rotated, r.sin])]);
  t.record(() => {
    const dy = t.grad(y);
    if (dy === undefined) return;
    const [a1, a2] = g.node('Split', [g.op('Mul', [dy, r.sin]), g.int64('rope_halves', [r.half, r.half])], 2, { axis: attr.int(-1) }) as [
      string,
      string,
    ];
    const back = g.op('Concat', [a2, g.op('Neg', [a1])], { axis: attr.int(-1) });
    t.accumulate(x, () => g.op('Add', [g.op('Mul', [dy, r.cos]), back]));
  });
  return y;
}
