import { attr, createModel, DataType, GraphBuilder, type ModelProto } from '../onnx/index.ts';
import {
  ATTENTION_MASK,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../runtime/io-names.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { buildAttention } from './gpt2-attention.ts';
import { buildAttentionBias } from './gpt2-mask.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from './gpt2-weights.ts';

// GPT2LMHeadModel as an ONNX graph (opset 17) with Optimum's decoder I/O. Symbolic dims use
// Optimum's names so tools that read them (transformers.js) see the layout they expect.

const LN_EPSILON = 1e-5;
const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';

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

function layerNorm(g: GraphBuilder, x: string, weight: string, bias: string): string {
  return g.op('LayerNormalization', [x, weight, bias], { axis: attr.int(-1), epsilon: attr.float(LN_EPSILON) });
}

export function buildGpt2Model(spec: Gpt2Spec, weights: Gpt2Weights): ModelProto {
  const g = new GraphBuilder('inferlab-gpt2');
  const headDim = spec.nEmbd / spec.nHead;
  const param = (name: string) => {
    const w = weights.get(name);
    if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
    return g.initializer(name, DataType.FLOAT, w.dims, w.data);
  };

  const inputIds = g.input(INPUT_IDS, DataType.INT64, [BATCH, SEQ]);
  const attentionMask = g.input(ATTENTION_MASK, DataType.INT64, [BATCH, TOTAL]);
  const positionIds = g.input(POSITION_IDS, DataType.INT64, [BATCH, SEQ]);
  const kvShape = (len: string) => [BATCH, spec.nHead, len, headDim];
  for (let i = 0; i < spec.nLayer; i++) {
    g.input(pastKeyName(i), DataType.FLOAT, kvShape(PAST));
    g.input(pastValueName(i), DataType.FLOAT, kvShape(PAST));
  }

  // Token embedding from the transposed table: Gather columns of (D, V) → (D, B, S) → (B, S, D).
  const wteT = param(W.wteT);
  const tok = g.op('Transpose', [g.op('Gather', [wteT, inputIds], { axis: attr.int(1) })], {
    perm: attr.ints([1, 2, 0]),
  });
  const pos = g.op('Gather', [param(W.wpe), positionIds], { axis: attr.int(0) }); // (B, S, D)
  let h = g.op('Add', [tok, pos]); // (B, S, D)

  const bias = buildAttentionBias(g, inputIds, attentionMask); // (B, 1, S, T)
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => param(W.layer(i, suffix));
    const attnOut = buildAttention(g, spec, {
      x: layerNorm(g, h, p('ln_1.weight'), p('ln_1.bias')),
      bias,
      pastKey: pastKeyName(i),
      pastValue: pastValueName(i),
      presentKey: presentKeyName(i),
      presentValue: presentValueName(i),
      cAttnWeight: p('attn.c_attn.weight'),
      cAttnBias: p('attn.c_attn.bias'),
      cProjWeight: p('attn.c_proj.weight'),
      cProjBias: p('attn.c_proj.bias'),
    });
    h = g.op('Add', [h, attnOut]);
    const x2 = layerNorm(g, h, p('ln_2.weight'), p('ln_2.bias'));
    const fc = g.op('Add', [g.op('MatMul', [x2, p('mlp.c_fc.weight')]), p('mlp.c_fc.bias')]); // (B, S, 4D)
    const proj = g.op('Add', [g.op('MatMul', [geluNew(g, fc), p('mlp.c_proj.weight')]), p('mlp.c_proj.bias')]);
    h = g.op('Add', [h, proj]); // (B, S, D)
  }

  const final = layerNorm(g, h, param(W.lnFWeight), param(W.lnFBias));
  g.node('MatMul', [final, wteT], [LOGITS]); // (B, S, V), tied to the embedding
  g.output(LOGITS, DataType.FLOAT, [BATCH, SEQ, spec.vocabSize]);
  for (let i = 0; i < spec.nLayer; i++) {
    g.output(presentKeyName(i), DataType.FLOAT, kvShape(TOTAL));
    g.output(presentValueName(i), DataType.FLOAT, kvShape(TOTAL));
  }
  return createModel(g.build());
}
