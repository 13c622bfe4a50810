import { attr, type GraphBuilder } from '../onnx/index.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { gpt2WeightNames as W } from './gpt2-weights.ts';

// One GPT-2 self-attention block (HF GPT2Attention, eager path) with the Optimum KV-cache I/O:
// the new keys/values are appended after the past ones and returned as present.*.

/**
 * Stores the new keys or values (B, H, S, hd) in the cache (past → present) and returns what the
 * attention reads (B, H, T, hd). Absent: float32 Concat(past, new) → present, read as is.
 */
export type KvStore = (g: GraphBuilder, kind: 'key' | 'value', fresh: string) => string;

/**
 * In place with a stored (int8) cache: writes this step's keys or values (B, H, S, hd) out as the
 * graph's fresh.* outputs and returns what the attention reads of the past buffer (B, H, C, hd)
 * and of the fresh rows (B, H, S, hd), dequantized.
 */
export type InPlaceKvStore = (g: GraphBuilder, kind: 'key' | 'value', fresh: string) => { past: string; fresh: string };

export type AttentionNames = {
  /** (B, S, D) LayerNorm output. */
  x: string;
  /** (B, 1, S, T) additive mask from buildAttentionBias. */
  bias: string;
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  /** Initializer names: c_attn (D, 3D) + (3D), c_proj (D, D) + (D). */
  cAttnWeight: string;
  cAttnBias: string;
  cProjWeight: string;
  cProjBias: string;
  /** The int8 KV cache's store (gpt2-kv-int8.ts); absent: float32. */
  kvStore?: KvStore;
  /**
   * In-place cache (the in-place KV kind, kv-cache/in-place-kv-cache.ts): the past is the caller's
   * buffer (B, H, C, hd), C ≥ the filled length, its unfilled slots masked by attention_mask; the
   * graph returns only this step's keys/values under these names (B, H, S, hd) and never
   * concatenates: presentKey/presentValue are unused.
   */
  inPlace?: { freshKey: string; freshValue: string; store?: InPlaceKvStore };
};

/** Returns the block output (B, S, D), before the residual add. */
export function buildAttention(g: GraphBuilder, spec: Gpt2Spec, n: AttentionNames): string {
  const d = spec.nEmbd;
  const headDim = d / spec.nHead;
  const qkv = g.op('Add', [g.op('MatMul', [n.x, n.cAttnWeight]), n.cAttnBias]); // (B, S, 3D)
  const [q, k, v] = g.node('Split', [qkv, g.int64('qkv_split', [d, d, d])], 3, { axis: attr.int(2) }) as [string, string, string]; // each (B, S, D)

  const headsShape = g.int64('heads_shape', [0, 0, spec.nHead, headDim]);
  const toHeads = (t: string, out?: string) => {
    const perm = { perm: attr.ints([0, 2, 1, 3]) };
    const reshaped = g.op('Reshape', [t, headsShape]);
    return out === undefined ? g.op('Transpose', [reshaped], perm) : (g.node('Transpose', [reshaped], [out], perm)[0] as string);
  }; // (B, S, D) → (B, H, S, hd)

  // In place: 1/√hd is already in the q projection's weights (foldQueryScale), so q·Kᵀ over the
  // past buffer is a plain MatMul — onnxruntime would fold a Mul into FusedMatMul's alpha, and MLAS
  // takes its streaming one-row kernel only for alpha = 1 (measured: bench/proto/kv-in-place-options.ts).
  if (n.inPlace !== undefined) {
    const { store, freshKey, freshValue } = n.inPlace;
    const qHeads = toHeads(q);
    if (store === undefined) {
      const kv = { pastKey: n.pastKey, pastValue: n.pastValue, freshKey: toHeads(k, freshKey), freshValue: toHeads(v, freshValue) };
      return project(g, d, n, inPlaceContext(g, n.bias, qHeads, kv));
    }
    const [key, value] = [store(g, 'key', toHeads(k)), store(g, 'value', toHeads(v))];
    return project(
      g,
      d,
      n,
      inPlaceContext(g, n.bias, qHeads, { pastKey: key.past, pastValue: value.past, freshKey: key.fresh, freshValue: value.fresh }),
    );
  }
  // 1/√hd applied to q (S·hd multiplies instead of S·T); exact when hd is a power of two.
  const qScaled = g.op('Mul', [toHeads(q), g.float32('attn_scale', [1 / Math.sqrt(headDim)])]);
  let keys = n.presentKey;
  let values = n.presentValue;
  if (n.kvStore === undefined) {
    g.node('Concat', [n.pastKey, toHeads(k)], [n.presentKey], { axis: attr.int(2) }); // (B, H, T, hd)
    g.node('Concat', [n.pastValue, toHeads(v)], [n.presentValue], { axis: attr.int(2) }); // (B, H, T, hd)
  } else {
    keys = n.kvStore(g, 'key', toHeads(k));
    values = n.kvStore(g, 'value', toHeads(v));
  }

  const keyT = g.op('Transpose', [keys], { perm: attr.ints([0, 1, 3, 2]) }); // (B, H, hd, T)
  const scores = g.op('Add', [g.op('MatMul', [qScaled, keyT]), n.bias]); // (B, H, S, T)
  const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
  const context = g.op('MatMul', [probs, values]); // (B, H, S, hd)
  return project(g, d, n, context);
}

/**
 * Attention over past buffer + fresh rows without concatenating them: scores against each part,
 * one softmax over both (B, H, S, C + S), then each part's probabilities times its values. The
 * bias is buildAttentionBias's for T = C + S: past slots are visible where attention_mask is 1
 * (they all precede the queries), fresh ones causally.
 */
function inPlaceContext(
  g: GraphBuilder,
  bias: string,
  qScaled: string,
  kv: { pastKey: string; pastValue: string; freshKey: string; freshValue: string },
): string {
  const last = attr.ints([0, 1, 3, 2]);
  const pastScores = g.op('MatMul', [qScaled, g.op('Transpose', [kv.pastKey], { perm: last })]); // (B, H, S, C)
  const freshScores = g.op('MatMul', [qScaled, g.op('Transpose', [kv.freshKey], { perm: last })]); // (B, H, S, S)
  const scores = g.op('Add', [g.op('Concat', [pastScores, freshScores], { axis: attr.int(-1) }), bias]); // (B, H, S, C + S)
  const probs = g.op('Softmax', [scores], { axis: attr.int(-1) });
  const capacity = g.op('Slice', [g.op('Shape', [kv.pastKey]), g.int64('cap_from', [2]), g.int64('cap_to', [3])]); // [C]
  const axis = g.int64('score_axis', [3]);
  const pastProbs = g.op('Slice', [probs, g.int64('zero_start', [0]), capacity, axis]); // (B, H, S, C)
  const freshProbs = g.op('Slice', [probs, capacity, g.int64('to_end', [Number.MAX_SAFE_INTEGER]), axis]); // (B, H, S, S)
  return g.op('Add', [g.op('MatMul', [pastProbs, kv.pastValue]), g.op('MatMul', [freshProbs, kv.freshValue])]); // (B, H, S, hd)
}

/** Heads merged and projected: (B, H, S, hd) → (B, S, D). */
function project(g: GraphBuilder, d: number, n: AttentionNames, context: string): string {
  const merged = g.op('Reshape', [
    g.op('Transpose', [context], { perm: attr.ints([0, 2, 1, 3]) }), // (B, S, H, hd)
    g.int64('merge_shape', [0, 0, d]),
  ]); // (B, S, D)
  return g.op('Add', [g.op('MatMul', [merged, n.cProjWeight]), n.cProjBias]);
}

/**
 * The weights with 1/√hd multiplied into each layer's q columns of c_attn (weight (D, 3D), bias
 * (3D)): q comes out pre-scaled, bit for bit what Mul(q, 1/√hd) gives when hd is a power of two.
 */
export function foldQueryScale(spec: Gpt2Spec, weights: ReadonlyMap<string, { dims: number[]; data: Float32Array }>) {
  const d = spec.nEmbd;
  const scale = 1 / Math.sqrt(d / spec.nHead);
  const out = new Map(weights);
  for (let i = 0; i < spec.nLayer; i++) {
    const w = weights.get(W.layer(i, 'attn.c_attn.weight'));
    const b = weights.get(W.layer(i, 'attn.c_attn.bias'));
    if (w === undefined || b === undefined) throw new Error(`missing GPT-2 weight h.${i}.attn.c_attn`);
    const ws = Float32Array.from(w.data);
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) ws[r * 3 * d + c] = (ws[r * 3 * d + c] as number) * scale; // row r, q column c
    const bs = Float32Array.from(b.data);
    for (let c = 0; c < d; c++) bs[c] = (bs[c] as number) * scale;
    out.set(W.layer(i, 'attn.c_attn.weight'), { dims: w.dims, data: ws });
    out.set(W.layer(i, 'attn.c_attn.bias'), { dims: b.dims, data: bs });
  }
  return out;
}
