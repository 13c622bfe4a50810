import { attr, type GraphBuilder } from '../onnx/index.ts';
import type { Gpt2Spec } from './forge-models.ts';

// One GPT-2 self-attention block (HF GPT2Attention, eager path) with the Optimum KV-cache I/O:
// the new keys/values are appended after the past ones and returned as present.*.

/**
 * Stores the new keys or values (B, H, S, hd) in the cache (past → present) and returns what the
 * attention reads (B, H, T, hd). Absent: float32 Concat(past, new) → present, read as is.
 */
export type KvStore = (g: GraphBuilder, kind: 'key' | 'value', fresh: string) => string;

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
};

/** Returns the block output (B, S, D), before the residual add. */
export function buildAttention(g: GraphBuilder, spec: Gpt2Spec, n: AttentionNames): string {
  const d = spec.nEmbd;
  const headDim = d / spec.nHead;
  const qkv = g.op('Add', [g.op('MatMul', [n.x, n.cAttnWeight]), n.cAttnBias]); // (B, S, 3D)
  const [q, k, v] = g.node('Split', [qkv, g.int64('qkv_split', [d, d, d])], 3, { axis: attr.int(2) }) as [string, string, string]; // each (B, S, D)

  const headsShape = g.int64('heads_shape', [0, 0, spec.nHead, headDim]);
  const toHeads = (t: string) => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm: attr.ints([0, 2, 1, 3]) }); // (B, H, S, hd)

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

  const merged = g.op('Reshape', [
    g.op('Transpose', [context], { perm: attr.ints([0, 2, 1, 3]) }), // (B, S, H, hd)
    g.int64('merge_shape', [0, 0, d]),
  ]); // (B, S, D)
  return g.op('Add', [g.op('MatMul', [merged, n.cProjWeight]), n.cProjBias]);
}
