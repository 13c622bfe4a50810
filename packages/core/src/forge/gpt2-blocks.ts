import { attr, type GraphBuilder } from '../onnx/index.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { buildAttention, type KvStore } from './gpt2-attention.ts';
import { gpt2WeightNames as W } from './gpt2-weights.ts';

// The pieces of GPT2LMHeadModel as graph builders: embedding, one block, the tied LM head. The
// monolithic graph (gpt2-graph.ts) and the layer segments used by early exit both call these, so a
// segment computes exactly what the same layers compute inside the full graph.

const LN_EPSILON = 1e-5;

/** Returns the initializer name of a GPT-2 weight, adding it to the graph on first use. */
export type Gpt2Param = (name: string) => string;

export type BlockKvNames = {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
  kvStore?: KvStore;
  inPlace?: { freshKey: string; freshValue: string };
};

/**
 * gelu_new (tanh approximation) from primitives, in the order HF's NewGELUActivation exports it;
 * onnxruntime's optimizer fuses this pattern into com.microsoft FastGelu (checked on 1.30 CPU).
 */
function geluNew(g: GraphBuilder, x: string): string {
  const cube = g.op('Pow', [x, g.float32('three', [3])]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.float32('gelu_c', [0.044715])])]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.float32('sqrt_2_over_pi', [Math.sqrt(2 / Math.PI)])])]);
  const half = g.op('Mul', [x, g.float32('half', [0.5])]);
  return g.op('Mul', [half, g.op('Add', [t, g.float32('one_f', [1])])]);
}

export function layerNorm(g: GraphBuilder, x: string, weight: string, bias: string): string {
  return g.op('LayerNormalization', [x, weight, bias], { axis: attr.int(-1), epsilon: attr.float(LN_EPSILON) });
}

/** wte + wpe: input ids and position ids (B, S) → hidden state (B, S, D). */
export function buildGpt2Embedding(g: GraphBuilder, param: Gpt2Param, inputIds: string, positionIds: string): string {
  // Token embedding from the transposed table: Gather columns of (D, V) → (D, B, S) → (B, S, D).
  const tok = g.op('Transpose', [g.op('Gather', [param(W.wteT), inputIds], { axis: attr.int(1) })], { perm: attr.ints([1, 2, 0]) });
  const pos = g.op('Gather', [param(W.wpe), positionIds], { axis: attr.int(0) }); // (B, S, D)
  return g.op('Add', [tok, pos]); // (B, S, D)
}

/** Block `layer` (0-based): h (B, S, D) → h (B, S, D), appending its keys/values to the cache. */
export function buildGpt2Block(
  g: GraphBuilder,
  spec: Gpt2Spec,
  layer: number,
  h: string,
  bias: string,
  param: Gpt2Param,
  kv: BlockKvNames,
): string {
  const p = (suffix: string) => param(W.layer(layer, suffix));
  const attnOut = buildAttention(g, spec, {
    x: layerNorm(g, h, p('ln_1.weight'), p('ln_1.bias')),
    bias,
    ...kv,
    cAttnWeight: p('attn.c_attn.weight'),
    cAttnBias: p('attn.c_attn.bias'),
    cProjWeight: p('attn.c_proj.weight'),
    cProjBias: p('attn.c_proj.bias'),
  });
  const mid = g.op('Add', [h, attnOut]);
  const x2 = layerNorm(g, mid, p('ln_2.weight'), p('ln_2.bias'));
  const fc = g.op('Add', [g.op('MatMul', [x2, p('mlp.c_fc.weight')]), p('mlp.c_fc.bias')]); // (B, S, 4D)
  const proj = g.op('Add', [g.op('MatMul', [geluNew(g, fc), p('mlp.c_proj.weight')]), p('mlp.c_proj.bias')]);
  return g.op('Add', [mid, proj]); // (B, S, D)
}

/** ln_f and the LM head tied to the token embedding: h (B, S, D) → `logits` (B, S, V). */
export function buildGpt2LmHead(g: GraphBuilder, param: Gpt2Param, h: string, logits: string): void {
  const final = layerNorm(g, h, param(W.lnFWeight), param(W.lnFBias));
  g.node('MatMul', [final, param(W.wteT)], [logits]);
}
