import { PermanentError } from '@inferlab/experiments';
import { AttributeType, DataType, type GraphProto, type ModelProto, type NodeProto, nodeProto, tensorFromArray } from '../onnx/index.ts';
import { USE_CACHE_BRANCH } from '../runtime/io-names.ts';

// A single-graph decoder (onnx/model.onnx) in Optimum's merged layout (onnx/decoder_model_merged.onnx):
// one If on `use_cache_branch` whose then-branch is the decoder with past and whose else-branch is
// the decoder without past — here the same graph reading the first 0 positions of every past input,
// so it ignores the cache as Optimum's no-past decoder does. The weights stay outer initializers read
// by both branches, as in Optimum's export. Hub exports come this way; forge writes it to test that
// both layouts run the same tokens.

export class MergedDecoderError extends PermanentError {
  override name = 'MergedDecoderError';
}

const PAST_PREFIX = 'past_key_values.';

export function toMergedDecoder(model: ModelProto): ModelProto {
  const g = model.graph;
  if (g.nodes.some((n) => n.opType === 'If')) throw new MergedDecoderError('the graph already has an If: not a single-graph decoder');
  const outer = new Set([...g.inputs.map((i) => i.name), ...g.initializers.map((t) => t.name)]);
  const zero = tensorFromArray('merged_decoder_zero', DataType.INT64, [1], BigInt64Array.of(0n));
  const seqAxis = tensorFromArray('merged_decoder_seq_axis', DataType.INT64, [1], BigInt64Array.of(2n));

  const branch = (prefix: string, withPast: boolean): GraphProto => {
    const local = (name: string) => (name === '' || outer.has(name) ? name : `${prefix}/${name}`);
    const emptyPast = new Map<string, string>();
    const prologue: NodeProto[] = [];
    if (!withPast) {
      for (const input of g.inputs.filter((i) => i.name.startsWith(PAST_PREFIX))) {
        const out = `${prefix}/${input.name}/empty`; // (B, H, 0, hd)
        prologue.push(nodeProto(`${prefix}/Slice_${input.name}`, 'Slice', [input.name, zero.name, zero.name, seqAxis.name], [out]));
        emptyPast.set(input.name, out);
      }
    }
    const nodes = g.nodes.map((n) => ({
      ...n,
      name: `${prefix}/${n.name}`,
      inputs: n.inputs.map((i) => emptyPast.get(i) ?? local(i)),
      outputs: n.outputs.map(local),
    }));
    return {
      name: prefix,
      nodes: [...prologue, ...nodes],
      initializers: [],
      inputs: [],
      outputs: g.outputs.map((o) => ({ ...o, name: local(o.name) })),
      valueInfo: [],
    };
  };

  const ifNode = nodeProto(
    'optimum::if',
    'If',
    [USE_CACHE_BRANCH],
    g.outputs.map((o) => o.name),
    [
      { name: 'then_branch', type: AttributeType.GRAPH, g: branch('with_past', true) },
      { name: 'else_branch', type: AttributeType.GRAPH, g: branch('no_past', false) },
    ],
  );
  return {
    ...model,
    graph: {
      ...g,
      nodes: [ifNode],
      initializers: [...g.initializers, zero, seqAxis],
      inputs: [...g.inputs, { name: USE_CACHE_BRANCH, elemType: DataType.BOOL, shape: [1] }],
      valueInfo: [],
    },
  };
}
