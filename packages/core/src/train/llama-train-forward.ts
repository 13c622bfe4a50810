import { ropeTables } from '../forge/llama/llama-rope.ts';
import type { LlamaSpec } from '../forge/llama/llama-spec.ts';
import { llamaWeightNames as W } from '../forge/llama/llama-weights.ts';
import type { GradTape } from './grad-tape.ts';
import { swiGlu } from './ops-activation.ts';
import { causalAttention, causalBias, rope, ropeInputs } from './ops-attention.ts';
import { add, linear, reshape, transpose } from './ops-basic.ts';
import { embedColumns, embedRows } from './ops-embedding.ts';
import { rmsNorm } from './ops-norm.ts';

// LlamaForCausalLM's forward on the tape, as forge/llama/llama-graph.ts and llama-attention.ts
// build it: pre-norm RMSNorm blocks, RoPE on q and k, grouped-query attention by broadcasting each
// K/V head over its R query heads, SwiGLU, tied or untied head.

/** ids (B, S) int64 → logits (B, S, V). */
export function llamaTrainForward(t: GradTape, spec: LlamaSpec, param: (name: string) => string, ids: string): string {
  const { hidden: d, nHead: nh, nKvHead: kv, headDim: hd, intermediate: f, vocabSize: v, rmsNormEps: eps } = spec;
  const groups = nh / kv;
  let h = spec.tieWordEmbeddings ? embedColumns(t, param(W.embedT), ids, v, d) : embedRows(t, param(W.embed), ids, v, d); // (B, S, D)
  const head = spec.tieWordEmbeddings ? param(W.embedT) : param(W.lmHeadT); // (D, V)
  const tables = ropeTables(spec);
  const r = ropeInputs(t, ids, tables.cos, tables.sin, spec.maxPositions, hd);
  const bias = causalBias(t, ids);
  const toHeads = (z: string, n: number) => transpose(t, reshape(t, z, [0, 0, n, hd]), [0, 2, 1, 3]); // (B, n, S, hd)
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => param(W.layer(i, suffix));
    const x = rmsNorm(t, h, p('input_layernorm.weight'), d, eps);
    const q = rope(t, toHeads(linear(t, x, p('self_attn.q_proj.weight_t'), d, nh * hd), nh), r); // (B, H, S, hd)
    const k = rope(t, toHeads(linear(t, x, p('self_attn.k_proj.weight_t'), d, kv * hd), kv), r); // (B, KV, S, hd)
    const vv = toHeads(linear(t, x, p('self_attn.v_proj.weight_t'), d, kv * hd), kv);
    const grouped = reshape(t, q, [0, kv, groups, -1, hd]); // (B, KV, R, S, hd), head h = kv·R + r
    const unsq = (z: string) => reshape(t, z, [0, 0, 1, -1, hd]); // (B, KV, 1, S, hd)
    const ctx = causalAttention(t, grouped, unsq(k), unsq(vv), bias, 1 / Math.sqrt(hd)); // (B, KV, R, S, hd)
    const merged = reshape(t, transpose(t, reshape(t, ctx, [0, nh, -1, hd]), [0, 2, 1, 3]), [0, 0, nh * hd]); // (B, S, H·hd)
    h = add(t, h, linear(t, merged, p('self_attn.o_proj.weight_t'), nh * hd, d));
    const x2 = rmsNorm(t, h, p('post_attention_layernorm.weight'), d, eps);
    const gate = linear(t, x2, p('mlp.gate_proj.weight_t'), d, f); // (B, S, F)
    const up = linear(t, x2, p('mlp.up_proj.weight_t'), d, f);
    h = add(t, h, linear(t, swiGlu(t, gate, up), p('mlp.down_proj.weight_t'), f, d));
  }
  return linear(t, rmsNorm(t, h, param(W.norm), d, eps), head, d, v); // (B, S, V)
}
