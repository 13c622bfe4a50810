import type { Gpt2Spec } from '../forge/forge-models.ts';
import { buildGpt2Block, buildGpt2Embedding, buildGpt2LmHead, type Gpt2Param, layerNorm } from '../forge/gpt2-blocks.ts';
import { buildAttentionBias } from '../forge/gpt2-mask.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from '../forge/gpt2-weights.ts';
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
  SEGMENT_HIDDEN_IN,
  SEGMENT_HIDDEN_OUT,
} from '../runtime/io-names.ts';

// The GPT-2 graph cut into segments so inference can stop after any block boundary. Every segment
// is built from the same pieces as the monolithic graph (gpt2-blocks.ts), so it computes the same
// ops on the same weights. The tied (D, V) table appears twice in all: in the embedding segment and
// in the one LM-head segment that every exit layer shares (exit heads map h → z before it).

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';

function graph(name: string, weights: Gpt2Weights): { g: GraphBuilder; param: Gpt2Param } {
  const g = new GraphBuilder(name);
  const added = new Set<string>();
  const param = (w: string) => {
    if (added.has(w)) return w;
    const t = weights.get(w);
    if (t === undefined) throw new Error(`missing GPT-2 weight '${w}'`);
    added.add(w);
    return g.initializer(w, DataType.FLOAT, t.dims, t.data);
  };
  return { g, param };
}

const kvShape = (spec: Gpt2Spec, len: string) => [BATCH, spec.nHead, len, spec.nEmbd / spec.nHead];

/** input_ids, position_ids (B, S) → hidden_out (B, S, D): wte + wpe. */
export function buildEmbeddingSegment(spec: Gpt2Spec, weights: Gpt2Weights): ModelProto {
  const { g, param } = graph('inferlab-gpt2-embed', weights);
  const ids = g.input(INPUT_IDS, DataType.INT64, [BATCH, SEQ]);
  const pos = g.input(POSITION_IDS, DataType.INT64, [BATCH, SEQ]);
  g.node('Identity', [buildGpt2Embedding(g, param, ids, pos)], [SEGMENT_HIDDEN_OUT]);
  g.output(SEGMENT_HIDDEN_OUT, DataType.FLOAT, [BATCH, SEQ, spec.nEmbd]);
  return createModel(g.build());
}

/**
 * Blocks [from, to): hidden_in (B, S, D), attention_mask (B, T), past of those layers (by their
 * global index) → hidden_out (B, S, D), present of those layers.
 */
export function buildBlocksSegment(spec: Gpt2Spec, weights: Gpt2Weights, from: number, to: number): ModelProto {
  const { g, param } = graph(`inferlab-gpt2-blocks-${from}-${to}`, weights);
  let h = g.input(SEGMENT_HIDDEN_IN, DataType.FLOAT, [BATCH, SEQ, spec.nEmbd]);
  const mask = g.input(ATTENTION_MASK, DataType.INT64, [BATCH, TOTAL]);
  for (let i = from; i < to; i++) {
    g.input(pastKeyName(i), DataType.FLOAT, kvShape(spec, PAST));
    g.input(pastValueName(i), DataType.FLOAT, kvShape(spec, PAST));
  }
  const bias = buildAttentionBias(g, h, mask); // reads S from axis 1, the same on (B, S, D) as on ids (B, S)
  for (let i = from; i < to; i++) {
    const kv = { pastKey: pastKeyName(i), pastValue: pastValueName(i), presentKey: presentKeyName(i), presentValue: presentValueName(i) };
    h = buildGpt2Block(g, spec, i, h, bias, param, kv);
  }
  g.node('Identity', [h], [SEGMENT_HIDDEN_OUT]);
  g.output(SEGMENT_HIDDEN_OUT, DataType.FLOAT, [BATCH, SEQ, spec.nEmbd]);
  for (let i = from; i < to; i++) {
    g.output(presentKeyName(i), DataType.FLOAT, kvShape(spec, TOTAL));
    g.output(presentValueName(i), DataType.FLOAT, kvShape(spec, TOTAL));
  }
  return createModel(g.build());
}

/** hidden_in z (B, S, D) → logits (B, S, V): ln_f and the tied LM head, shared by every exit. */
export function buildHeadSegment(spec: Gpt2Spec, weights: Gpt2Weights): ModelProto {
  const { g, param } = graph('inferlab-gpt2-head', weights);
  const z = g.input(SEGMENT_HIDDEN_IN, DataType.FLOAT, [BATCH, SEQ, spec.nEmbd]);
  buildGpt2LmHead(g, param, z, LOGITS);
  g.output(LOGITS, DataType.FLOAT, [BATCH, SEQ, spec.vocabSize]);
  return createModel(g.build());
}

/**
 * CALM's KV propagation for layers [from, nLayer): the exited state h (B, S, D) stands in for each
 * skipped layer's input, so each layer gets K, V = split(ln_1(h) · c_attn[:, D:3D] + b[D:3D])
 * appended to its past — no attention, no MLP. The K/V columns are sliced at build time.
 */
export function buildKvFillSegment(spec: Gpt2Spec, weights: Gpt2Weights, from: number): ModelProto {
  const d = spec.nEmbd;
  const headDim = d / spec.nHead;
  const { g, param } = graph(`inferlab-gpt2-kv-fill-${from}`, weights);
  const h = g.input(SEGMENT_HIDDEN_IN, DataType.FLOAT, [BATCH, SEQ, d]);
  for (let i = from; i < spec.nLayer; i++) {
    g.input(pastKeyName(i), DataType.FLOAT, kvShape(spec, PAST));
    g.input(pastValueName(i), DataType.FLOAT, kvShape(spec, PAST));
  }
  const headsShape = g.int64('heads_shape', [0, 0, spec.nHead, headDim]);
  const toHeads = (t: string) => g.op('Transpose', [g.op('Reshape', [t, headsShape])], { perm: attr.ints([0, 2, 1, 3]) }); // (B, H, S, hd)
  for (let i = from; i < spec.nLayer; i++) {
    const w = weights.get(W.layer(i, 'attn.c_attn.weight'));
    const b = weights.get(W.layer(i, 'attn.c_attn.bias'));
    if (w === undefined || b === undefined) throw new Error(`missing GPT-2 weight h.${i}.attn.c_attn`);
    const wKv = new Float32Array(d * 2 * d); // (D, 2D): columns D..3D of c_attn (D, 3D)
    for (let r = 0; r < d; r++) wKv.set(w.data.subarray(r * 3 * d + d, (r + 1) * 3 * d), r * 2 * d);
    const wName = g.initializer(`h.${i}.attn.c_attn_kv.weight`, DataType.FLOAT, [d, 2 * d], wKv);
    const bName = g.initializer(`h.${i}.attn.c_attn_kv.bias`, DataType.FLOAT, [2 * d], b.data.slice(d, 3 * d));
    const x = layerNorm(g, h, param(W.layer(i, 'ln_1.weight')), param(W.layer(i, 'ln_1.bias')));
    const kv = g.op('Add', [g.op('MatMul', [x, wName]), bName]); // (B, S, 2D)
    const [k, v] = g.node('Split', [kv, g.int64('kv_split', [d, d])], 2, { axis: attr.int(2) }) as [string, string];
    g.node('Concat', [pastKeyName(i), toHeads(k)], [presentKeyName(i)], { axis: attr.int(2) });
    g.node('Concat', [pastValueName(i), toHeads(v)], [presentValueName(i)], { axis: attr.int(2) });
    g.output(presentKeyName(i), DataType.FLOAT, kvShape(spec, TOTAL));
    g.output(presentValueName(i), DataType.FLOAT, kvShape(spec, TOTAL));
  }
  return createModel(g.build());
}
