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
  /**
   * In place: the past is a caller-owned buffer (B, KV, C, hd) read as is (slots past the cache's
   * length masked by the bias), the graph returns only this step's keys/values under these names
   * (B, KV, S, hd) and never concatenates; q's weights carry 1/√hd (foldLlamaQueryScale).
   */
  inPlace?: { freshKey: string; freshValue: string };
  /** (in, out) initializers: q (D, H·hd), k and v (D, KV·hd), o (H·hd, D). */
  q: string;
  k: string;
  v: string;
  o: string;
};

/** Returns the block output (B, S, D), before the residual add. */
export function buildLlamaAttention(g: GraphBuilder, spec: LlamaSpec, n: LlamaAttentionNames): string {
  const { nHead: h, nKvHead: kv, headDim: hd } = spec;
  const toHeads = (t: string, heads: number) =>
    g.op('Transpose', [g.op('Reshape', [t, g.int64('heads_shape', [0, 0, heads, hd])])], { perm: attr.ints([0, 2, 1, 3]) }); // (B, heads, S, hd)

  const q = applyRope(g, toHeads(g.op('MatMul', [n.x, n.q]), h), n.rope); // (B, H, S, hd)
  const k = applyRope(g, toHeads(g.op('MatMul', [n.x, n.k]), kv), n.rope); // (B, KV, S, hd)
  const v = toHeads(g.op('MatMul', [n.x, n.v]), kv); // (B, KV, S, hd)
  const context = n.inPlace === undefined ? concatContext(g, spec, n, q, k, v) : inPlaceContext(g, spec, n, n.inPlace, q, k, v); // (B, KV, R, S, hd)

  const merged = g.op('Reshape', [
    g.op('Transpose', [g.op('Reshape', [context, g.int64('ungroup_shape', [0, h, -1, hd])])], { perm: attr.ints([0, 2, 1, 3]) }), // (B, S, H, hd)
    g.int64('merge_shape', [0, 0, h * hd]),
  ]); // (B, S, H·hd)
  return g.op('MatMul', [merged, n.o]); // (B, S, D)
}

/** Optimum's layout: present = past ‖ new, attention over the present. (The forge files' bytes: keep the node order.) */
function concatContext(g: GraphBuilder, spec: LlamaSpec, n: LlamaAttentionNames, q: string, k: string, v: string): string {
  const { nKvHead: kv, headDim: hd } = spec;
  g.node('Concat', [n.pastKey, k], [n.presentKey], { axis: attr.int(2) }); // (B, KV, T, hd)
  g.node('Concat', [n.pastValue, v], [n.presentValue], { axis: attr.int(2) }); // (B, KV, T, hd)
  // 1/√hd on q (S·hd multiplies instead of S·T); exact when hd is a power of four.
  const qScaled = g.op('Mul', [q, g.float32('attn_scale', [1 / Math.sqrt(hd)])]);
  const qGrouped = g.op('Reshape', [qScaled, g.int64('group_shape', [0, kv, spec.nHead / kv, -1, hd])]); // (B, KV, R, S, hd)
  const groupAxis = g.int64('group_axis', [2]);
  const keyT = g.op('Unsqueeze', [g.op('Transpose', [n.presentKey], { perm: attr.ints([0, 1, 3, 2]) }), groupAxis]); // (B, KV, 1, hd, T)
  const scores = g.op('Add', [g.op('MatMul', [qGrouped, keyT]), n.bias]); // (B, KV, R, S, T)
  const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
  return g.op('MatMul', [probs, g.op('Unsqueeze', [n.presentValue, groupAxis])]); // (B, KV, R, S, hd)
}

/**
 * In place: scores against the past buffer and against the fresh rows, one softmax over both
 * (C + S), then each part's probabilities times its values — the cache is never concatenated
 * (gpt2-attention.ts inPlaceContext). q arrives pre-scaled (foldLlamaQueryScale).
 */
function inPlaceContext(
  g: GraphBuilder,
  spec: LlamaSpec,
  n: LlamaAttentionNames,
  fresh: { freshKey: string; freshValue: string },
  q: string,
  k: string,
  v: string,
): string {
  const { nKvHead: kv, headDim: hd } = spec;
  g.node('Identity', [k], [fresh.freshKey]);
  g.node('Identity', [v], [fresh.freshValue]);
  const qGrouped = g.op('Reshape', [q, g.int64('group_shape', [0, kv, spec.nHead / kv, -1, hd])]); // (B, KV, R, S, hd)
  const groupAxis = g.int64('group_axis', [2]);
  const perGroup = (x: string) => g.op('Unsqueeze', [x, groupAxis]); // (B, KV, …) → (B, KV, 1, …): MatMul broadcasts over R
  const lastTwo = { perm: attr.ints([0, 1, 3, 2]) };
  const pastScores = g.op('MatMul', [qGrouped, perGroup(g.op('Transpose', [n.pastKey], lastTwo))]); // (B, KV, R, S, C)
  const freshScores = g.op('MatMul', [qGrouped, perGroup(g.op('Transpose', [k], lastTwo))]); // (B, KV, R, S, S)
  const scores = g.op('Add', [g.op('Concat', [pastScores, freshScores], { axis: attr.int(-1) }), n.bias]); // (B, KV, R, S, C + S)
  const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
  const capacity = g.op('Slice', [g.op('Shape', [n.pastKey]), g.int64('cap_from', [2]), g.int64('cap_to', [3])]); // [C]
  const axis = g.int64('score_axis', [4]);
  const pastProbs = g.op('Slice', [probs, g.int64('zero_start', [0]), capacity, axis]); // (B, KV, R, S, C)
  const freshProbs = g.op('Slice', [probs, capacity, g.int64('to_end', [Number.MAX_SAFE_INTEGER]), axis]); // (B, KV, R, S, S)
  return g.op('Add', [g.op('MatMul', [pastProbs, perGroup(n.pastValue)]), g.op('MatMul', [freshProbs, perGroup(v)])]);
}

/** The weights with 1/√hd multiplied into every layer's q projection (RoPE is linear, so q comes out pre-scaled). */
export function foldLlamaQueryScale(spec: LlamaSpec, weights: ReadonlyMap<string, { dims: number[]; data: Float32Array }>) {
  const scale = 1 / Math.sqrt(spec.headDim);
  const out = new Map(weights);
  for (let i = 0; i < spec.nLayer; i++) {
    const name = `layers.${i}.self_attn.q_proj.weight_t`;
    const w = weights.get(name);
    if (w === undefined) throw new Error(`missing Llama weight '${name}'`);
    out.set(name, { dims: w.dims, data: Float32Array.from(w.data, (x) => x * scale) });
  }
  return out;
}
