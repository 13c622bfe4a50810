import { createModel, DataType, GraphBuilder, type ModelProto } from '../onnx/index.ts';
import {
  ATTENTION_MASK,
  hiddenStateName,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../runtime/io-names.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { type BlockKvNames, buildGpt2Block, buildGpt2Embedding, buildGpt2LmHead } from './gpt2-blocks.ts';
import { addKvInt8Inputs, addKvInt8Outputs, kvInt8Store } from './gpt2-kv-int8.ts';
import { buildAttentionBias } from './gpt2-mask.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from './gpt2-weights.ts';

// GPT2LMHeadModel as an ONNX graph (opset 17) with Optimum's decoder I/O. Symbolic dims use
// Optimum's names so tools that read them (transformers.js) see the layout they expect.

const BATCH = 'batch_size';
const SEQ = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';

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
};

export function buildGpt2Model(spec: Gpt2Spec, weights: Gpt2Weights, options: Gpt2GraphOptions = {}): ModelProto {
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
  for (let i = 0; i < spec.nLayer; i++) {
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
    if (kvInt8) kv.kvStore = kvInt8Store(i);
    h = buildGpt2Block(g, spec, i, h, bias, param, kv);
    hiddenStates.push(h);
  }
  buildGpt2LmHead(g, param, h, LOGITS);
  g.output(LOGITS, DataType.FLOAT, [BATCH, SEQ, spec.vocabSize]);
  for (let i = 0; i < spec.nLayer; i++) {
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
