import { attr, createModel, DataType, GraphBuilder, type ModelProto } from '../../onnx/index.ts';
import {
  ATTENTION_MASK,
  freshKeyName,
  freshValueName,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../../runtime/io-names.ts';
import { buildAttentionBias } from '../gpt2-mask.ts';
import { buildLlamaAttention, foldLlamaQueryScale } from './llama-attention.ts';
import { buildRopeInputs } from './llama-rope.ts';
import { checkLlamaSpec, type LlamaSpec } from './llama-spec.ts';
import { type LlamaWeights, llamaWeightNames as W } from './llama-weights.ts';

// LlamaForCausalLM as an ONNX graph (opset 17) with Optimum's decoder I/O and symbolic dim names.
// Pre-norm blocks: h += attn(rms(h)); h += mlp(rms(h)); logits = rms(h) · head. No biases.

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';
const CAPACITY = 'past_capacity';

export type LlamaGraphOptions = {
  /**
   * 'in-place': the past is a caller-owned buffer (B, KV, capacity, hd) read as is, and the graph
   * returns only the step's keys/values as fresh.{i}.* (llama-attention.ts); fp32 only. Default
   * 'concat': Optimum's past → present.
   */
  kvLayout?: 'concat' | 'in-place';
};

/**
 * HF LlamaRMSNorm: x / √(mean(x²) + eps) · w, over the last axis. Written as
 * Pow → ReduceMean → Add → Sqrt → Div → Mul, the pattern onnxruntime fuses into SimplifiedLayerNormalization.
 */
function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  const meanSq = g.op('ReduceMean', [g.op('Pow', [x, g.float32('two', [2])])], { axes: attr.ints([-1]), keepdims: attr.int(1) }); // (B, S, 1)
  const rms = g.op('Sqrt', [g.op('Add', [meanSq, g.float32('rms_eps', [eps])])]);
  return g.op('Mul', [g.op('Div', [x, rms]), weight]);
}

/** SwiGLU: down(silu(gate(x)) · up(x)), silu(z) = z · σ(z). x (B, S, D) → (B, S, D). */
function mlp(g: GraphBuilder, x: string, gate: string, up: string, down: string): string {
  const z = g.op('MatMul', [x, gate]); // (B, S, F)
  const act = g.op('Mul', [z, g.op('Sigmoid', [z])]);
  return g.op('MatMul', [g.op('Mul', [act, g.op('MatMul', [x, up])]), down]);
}

export function buildLlamaModel(spec: LlamaSpec, source: LlamaWeights, options: LlamaGraphOptions = {}): ModelProto {
  checkLlamaSpec(spec);
  const inPlace = options.kvLayout === 'in-place';
  const weights = inPlace ? foldLlamaQueryScale(spec, source) : source;
  const g = new GraphBuilder('inferlab-llama');
  const param = (name: string) => {
    const w = weights.get(name);
    if (w === undefined) throw new Error(`missing Llama weight '${name}'`);
    return g.initializer(name, DataType.FLOAT, w.dims, w.data);
  };

  const inputIds = g.input(INPUT_IDS, DataType.INT64, [BATCH, SEQ]);
  const attentionMask = g.input(ATTENTION_MASK, DataType.INT64, [BATCH, TOTAL]);
  const positionIds = g.input(POSITION_IDS, DataType.INT64, [BATCH, SEQ]);
  const kvShape = (len: string) => [BATCH, spec.nKvHead, len, spec.headDim];
  for (let i = 0; i < spec.nLayer; i++) {
    g.input(pastKeyName(i), DataType.FLOAT, kvShape(inPlace ? CAPACITY : PAST));
    g.input(pastValueName(i), DataType.FLOAT, kvShape(inPlace ? CAPACITY : PAST));
  }

  // Tied: Gather columns of the (D, V) table → (D, B, S) → (B, S, D); the head reuses the table.
  // Untied: Gather rows of HF's (V, D) table; the head is its own (D, V) matrix.
  let h: string; // (B, S, D)
  let head: string; // (D, V)
  if (spec.tieWordEmbeddings) {
    head = param(W.embedT);
    h = g.op('Transpose', [g.op('Gather', [head, inputIds], { axis: attr.int(1) })], { perm: attr.ints([1, 2, 0]) });
  } else {
    h = g.op('Gather', [param(W.embed), inputIds], { axis: attr.int(0) });
    head = param(W.lmHeadT);
  }

  const rope = buildRopeInputs(g, spec, positionIds); // cos, sin (B, 1, S, hd)
  const bias = g.op('Unsqueeze', [buildAttentionBias(g, inputIds, attentionMask), g.int64('bias_group_axis', [1])]); // (B, 1, 1, S, T)
  for (let i = 0; i < spec.nLayer; i++) {
    const p = (suffix: string) => param(W.layer(i, suffix));
    const attnOut = buildLlamaAttention(g, spec, {
      x: rmsNorm(g, h, p('input_layernorm.weight'), spec.rmsNormEps),
      bias,
      rope,
      pastKey: pastKeyName(i),
      pastValue: pastValueName(i),
      presentKey: presentKeyName(i),
      presentValue: presentValueName(i),
      ...(inPlace ? { inPlace: { freshKey: freshKeyName(i), freshValue: freshValueName(i) } } : {}),
      q: p('self_attn.q_proj.weight_t'),
      k: p('self_attn.k_proj.weight_t'),
      v: p('self_attn.v_proj.weight_t'),
      o: p('self_attn.o_proj.weight_t'),
    });
    h = g.op('Add', [h, attnOut]);
    const x2 = rmsNorm(g, h, p('post_attention_layernorm.weight'), spec.rmsNormEps);
    h = g.op('Add', [h, mlp(g, x2, p('mlp.gate_proj.weight_t'), p('mlp.up_proj.weight_t'), p('mlp.down_proj.weight_t'))]);
  }

  g.node('MatMul', [rmsNorm(g, h, param(W.norm), spec.rmsNormEps), head], [LOGITS]); // (B, S, V)
  g.output(LOGITS, DataType.FLOAT, [BATCH, SEQ, spec.vocabSize]);
  for (let i = 0; i < spec.nLayer; i++) {
    g.output(inPlace ? freshKeyName(i) : presentKeyName(i), DataType.FLOAT, kvShape(inPlace ? SEQ : TOTAL));
    g.output(inPlace ? freshValueName(i) : presentValueName(i), DataType.FLOAT, kvShape(inPlace ? SEQ : TOTAL));
  }
  return createModel(g.build());
}
