import type { Gpt2Spec } from '../forge/forge-models.ts';
import { gpt2WeightNames as W } from '../forge/gpt2-weights.ts';
import type { GradTape } from './grad-tape.ts';
import { geluTanh } from './ops-activation.ts';
import { causalAttention, causalBias, positions } from './ops-attention.ts';
import { add, addBias, addOverBatch, linear, reshape, splitLast, transpose } from './ops-basic.ts';
import { embedColumns, embedRows } from './ops-embedding.ts';
import { layerNorm } from './ops-norm.ts';

// GPT2LMHeadModel's forward on the tape, op for op as forge/gpt2-blocks.ts and gpt2-attention.ts
// build it (no KV cache: every sequence starts at position 0): the trained weights, written through
// buildGpt2Model, give the logits this forward computes.

const LN_EPSILON = 1e-5;

/** ids (B, S) int64 → logits (B, S, V); `param` maps a forge weight name to its graph value. */
export function gpt2TrainForward(t: GradTape, spec: Gpt2Spec, param: (name: string) => string, ids: string): string {
  const { nEmbd: d, nHead: nh, vocabSize: v } = spec;
  const hd = d / nh;
  const tok = embedColumns(t, param(W.wteT), ids, v, d); // (B, S, D)
  let h = addOverBatch(t, tok, embedRows(t, param(W.wpe), positions(t, ids), spec.nPositions, d)); // (B, S, D)
  const bias = causalBias(t, ids); // (S, S)
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => param(W.layer(i, suffix));
    const x = layerNorm(t, h, p('ln_1.weight'), p('ln_1.bias'), d, LN_EPSILON);
    const qkv = addBias(t, linear(t, x, p('attn.c_attn.weight'), d, 3 * d), p('attn.c_attn.bias'), 3 * d); // (B, S, 3D)
    const [q, k, vv] = splitLast(t, qkv, [d, d, d]) as [string, string, string];
    // (B, S, D) → (B, H, S, hd) → (B, H, 1, S, hd): one query head per K/V head.
    const heads = (z: string) => reshape(t, transpose(t, reshape(t, z, [0, 0, nh, hd]), [0, 2, 1, 3]), [0, 0, 1, -1, hd]);
    const ctx = causalAttention(t, heads(q), heads(k), heads(vv), bias, 1 / Math.sqrt(hd)); // (B, H, 1, S, hd)
    const merged = reshape(t, transpose(t, reshape(t, ctx, [0, nh, -1, hd]), [0, 2, 1, 3]), [0, 0, d]); // (B, S, D)
    h = add(t, h, addBias(t, linear(t, merged, p('attn.c_proj.weight'), d, d), p('attn.c_proj.bias'), d));
    const x2 = layerNorm(t, h, p('ln_2.weight'), p('ln_2.bias'), d, LN_EPSILON);
    const fc = addBias(t, linear(t, x2, p('mlp.c_fc.weight'), d, 4 * d), p('mlp.c_fc.bias'), 4 * d); // (B, S, 4D)
    h = add(t, h, addBias(t, linear(t, geluTanh(t, fc), p('mlp.c_proj.weight'), 4 * d, d), p('mlp.c_proj.bias'), d));
  }
  const final = layerNorm(t, h, param(W.lnFWeight), param(W.lnFBias), d, LN_EPSILON);
  return linear(t, final, param(W.wteT), d, v); // tied head (D, V) → (B, S, V)
}
