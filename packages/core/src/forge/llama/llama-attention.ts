import { attr, type GraphBuilder } from '../../onnx/index.ts';
import { applyRope, type RopeNames } from './llama-rope.ts';
import type { LlamaSpec } from './llama-spec.ts';

// One Llama self-attention block (HF LlamaAttention, eager path) with grouped-query attention and
// the Optimum KV-cache I/O. The cache holds the nKvHead K/V heads only; instead of repeat_kv
// copying them nHead/nKvHead times, the query heads are grouped (B, KV, R, S, hd) and MatMul
// broadcasts each K/V head over its R query heads: HF's head order h = kv·R + r, no copies.

export type LlamaAttentionNames = {
  /** (B, S, D) RMSNorm output. */
  x: string;
  /** (B, 1, 1, S, T) additive mask (buildAttentionBias unsqueezed for the group axis). */
  bias: string;
  rope: RopeNames;
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  /** (in, out) initializers: q (D, H·hd), k and v (D, KV·hd), o (H·hd, D). */
  q: string;
  k: string;
  v: string;
  o: string;
};

/** Returns the block output (B, S, D), before the residual add. */
export function buildLlamaAttention(g: GraphBuilder, spec: LlamaSpec, n: LlamaAttentionNames): string {
  const { nHead: h, nKvHead: kv, headDim: hd } = spec;
  const groups = h / kv;
  const toHeads = (t: string, heads: number) =>
    g.op('Transpose', [g.op('Reshape', [t, g.int64('heads_shape', [0, 0, heads, hd])])], { perm: attr.ints([0, 2, 1, 3]) }); // (B, heads, S, hd)

  const q = applyRope(g, toHeads(g.op('MatMul', [n.x, n.q]), h), n.rope); // (B, H, S, hd)
  const k = applyRope(g, toHeads(g.op('MatMul', [n.x, n.k]), kv), n.rope); // (B, KV, S, hd)
  const v = toHeads(g.op('MatMul', [n.x, n.v]), kv); // (B, KV, S, hd)
  g.node('Concat', [n.pastKey, k], [n.presentKey], { axis: attr.int(2) }); // (B, KV, T, hd)
  g.node('Concat', [n.pastValue, v], [n.presentValue], { axis: attr.int(2) }); // (B, KV, T, hd)

  // 1/√hd on q (S·hd multiplies instead of S·T); exact when hd is a power of four.
  const qScaled = g.op('Mul', [q, g.float32('attn_scale', [1 / Math.sqrt(hd)])]);
  const qGrouped = g.op('Reshape', [qScaled, g.int64('group_shape', [0, kv, groups, -1, hd])]); // (B, KV, R, S, hd)
  const groupAxis = g.int64('group_axis', [2]);
  const keyT = g.op('Unsqueeze', [g.op('Transpose', [n.presentKey], { perm: attr.ints([0, 1, 3, 2]) }), groupAxis]); // (B, KV, 1, hd, T)
  const scores = g.op('Add', [g.op('MatMul', [qGrouped, keyT]), n.bias]); // (B, KV, R, S, T)
  const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
  const context = g.op('MatMul', [probs, g.op('Unsqueeze', [n.presentValue, groupAxis])]); // (B, KV, R, S, hd)

  const merged = g.op('Reshape', [
    g.op('Transpose', [g.op('Reshape', [context, g.int64('ungroup_shape', [0, h, -1, hd])])], { perm: attr.ints([0, 2, 1, 3]) }), // (B, S, H, hd)
    g.int64('merge_shape', [0, 0, h * hd]),
  ]); // (B, S, H·hd)
  return g.op('MatMul', [merged, n.o]); // (B, S, D)
}
