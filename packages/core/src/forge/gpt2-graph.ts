import { createModel, DataType, GraphBuilder, type ModelProto } from '../onnx/index.ts';
import {
  ATTENTION_MASK,
  freshKeyName,
  freshValueName,
  hiddenStateName,
  INPUT_IDS,
  LOGITS,
  NUM_LOGITS_TO_KEEP,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../runtime/io-names.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { foldQueryScale } from './gpt2-attention.ts';
import { type BlockKvNames, buildGpt2Block, buildGpt2Embedding, buildGpt2LmHead } from './gpt2-blocks.ts';
import { addKvInt8Inputs, addKvInt8Outputs, kvInt8InPlaceStore, kvInt8Store } from './gpt2-kv-int8.ts';
import { buildAttentionBias } from './gpt2-mask.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from './gpt2-weights.ts';

// GPT2LMHeadModel as an ONNX graph (opset 17) with Optimum's decoder I/O. Symbolic dims use
// Optimum's names so tools that read them (transformers.js) see the layout they expect.

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';
const CAPACITY = 'past_capacity';

export type Gpt2GraphOptions = {
  /**
   * Also output `hidden_states.{i}` (B, S, D) for i = 0..nLayer: the residual stream after i blocks
   * (0: the embeddings), before ln_f — what exit heads read. Off for the forge files.
   */
  hiddenStates?: boolean;
  /**
   * 'int8': past/present keys and values int8 (B, H, T, hd) plus float32 scales (B, H, T, 1),
   * dequantized inside the graph (gpt2-kv-int8.ts). Default 'fp32': the Optimum layout.
   */
  kvCacheDtype?: 'fp32' | 'int8';
  /**
   * 'in-place': the past is a caller-owned buffer (B, H, capacity, hd) read as is, and the graph
   * returns only the step's keys/values as fresh.{i}.* (gpt2-attention.ts inPlaceContext); with
   * kvCacheDtype 'int8' the buffers and fresh rows are int8 codes plus scales (gpt2-kv-int8.ts).
   * Default 'concat': Optimum's past → present.
   */
  kvLayout?: 'concat' | 'in-place';
  /** A `num_logits_to_keep` input (scalar int64, 0 = every row), as runtime/logits-to-keep.ts adds to other graphs. */
  logitsToKeep?: boolean;
};

export function buildGpt2Model(spec: Gpt2Spec, source: Gpt2Weights, options: Gpt2GraphOptions = {}): ModelProto {
  const weights = options.kvLayout === 'in-place' ? foldQueryScale(spec, source) : source;
  const g = new GraphBuilder('inferlab-gpt2');
  const headDim = spec.nEmbd / spec.nHead;
  const added = new Set<string>();
  const param = (name: string) => {
    if (added.has(name)) return name; // the tied table is read by the embedding and the LM head
    const w = weights.get(name);
    if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
    added.add(name);
    return g.initializer(name, DataType.FLOAT, w.dims, w.data);
  };

  const inputIds = g.input(INPUT_IDS, DataType.INT64, [BATCH, SEQ]);
  const attentionMask = g.input(ATTENTION_MASK, DataType.INT64, [BATCH, TOTAL]);
  const positionIds = g.input(POSITION_IDS, DataType.INT64, [BATCH, SEQ]);
  const kvShape = (len: string) => [BATCH, spec.nHead, len, headDim];
  const kvInt8 = options.kvCacheDtype === 'int8';
  const inPlace = options.kvLayout === 'in-place';
  for (let i = 0; i < spec.nLayer; i++) {
    if (inPlace && kvInt8) {
      addKvInt8Inputs(g, i, kvShape(CAPACITY));
      continue;
    }
    if (inPlace) {
      g.input(pastKeyName(i), DataType.FLOAT, kvShape(CAPACITY));
      g.input(pastValueName(i), DataType.FLOAT, kvShape(CAPACITY));
      continue;
    }
    if (kvInt8) {
      addKvInt8Inputs(g, i, kvShape(PAST));
      continue;
    }
    g.input(pastKeyName(i), DataType.FLOAT, kvShape(PAST));
    g.input(pastValueName(i), DataType.FLOAT, kvShape(PAST));
  }

  // wte first: the initializer order (and so the file's bytes) is the one pinned by forge's hashes.
  param(W.wteT);
  let h = buildGpt2Embedding(g, param, inputIds, positionIds); // (B, S, D)
  const hiddenStates = [h];
  const bias = buildAttentionBias(g, inputIds, attentionMask); // (B, 1, S, T)
  for (let i = 0; i < spec.nLayer; i++) {
    const kv: BlockKvNames = {
      pastKey: pastKeyName(i),
      pastValue: pastValueName(i),
      presentKey: presentKeyName(i),
      presentValue: presentValueName(i),
    };
    if (kvInt8 && !inPlace) kv.kvStore = kvInt8Store(i);
    if (inPlace)
      kv.inPlace = { freshKey: freshKeyName(i), freshValue: freshValueName(i), ...(kvInt8 ? { store: kvInt8InPlaceStore(i) } : {}) };
    h = buildGpt2Block(g, spec, i, h, bias, param, kv);
    hiddenStates.push(h);
  }
  buildGpt2LmHead(g, param, options.logitsToKeep === true ? lastRows(g, h) : h, LOGITS);
  g.output(LOGITS, DataType.FLOAT, [BATCH, options.logitsToKeep === true ? 'num_logits' : SEQ, spec.vocabSize]);
  for (let i = 0; i < spec.nLayer; i++) {
    if (inPlace && kvInt8) {
      addKvInt8Outputs(g, i, kvShape(SEQ), 'fresh');
      continue;
    }
    if (inPlace) {
      g.output(freshKeyName(i), DataType.FLOAT, kvShape(SEQ));
      g.output(freshValueName(i), DataType.FLOAT, kvShape(SEQ));
      continue;
    }
    if (kvInt8) {
      addKvInt8Outputs(g, i, kvShape(TOTAL));
      continue;
    }
    g.output(presentKeyName(i), DataType.FLOAT, kvShape(TOTAL));
    g.output(presentValueName(i), DataType.FLOAT, kvShape(TOTAL));
  }
  if (options.hiddenStates === true) {
    hiddenStates.forEach((state, i) => {
      g.node('Identity', [state], [hiddenStateName(i)]);
      g.output(hiddenStateName(i), DataType.FLOAT, [BATCH, SEQ, spec.nEmbd]);
    });
  }
  return createModel(g.build());
}

/** h (B, S, D) → its last num_logits_to_keep rows (all when 0: Slice clamps the start −0 to 0). */
function lastRows(g: GraphBuilder, h: string): string {
  const k = g.input(NUM_LOGITS_TO_KEEP, DataType.INT64, []);
  const start = g.op('Reshape', [g.op('Neg', [k]), g.int64('keep_shape', [1])]);
  return g.op('Slice', [h, start, g.int64('keep_end', [Number.MAX_SAFE_INTEGER]), g.int64('keep_axis', [1])]);
}
