import type { GraphProto, ModelProto, OperatorSetId } from './onnx-types.ts';

// The ModelProto envelope inferlab writes: IR 8 (understood by every onnxruntime since 1.10),
// default-domain opset 17 (LayerNormalization) and com.microsoft 1 (contrib ops: quantized MatMul).

export const IR_VERSION = 8;
export const DEFAULT_OPSET = 17;
export const MS_DOMAIN = 'com.microsoft';
export const PRODUCER_NAME = 'inferlab';

export function createModel(graph: GraphProto, opsetImports?: OperatorSetId[]): ModelProto {
  return {
    irVersion: IR_VERSION,
    producerName: PRODUCER_NAME,
    producerVersion: '0.1.0',
    opsetImports: opsetImports ?? [
      { domain: '', version: DEFAULT_OPSET },
      { domain: MS_DOMAIN, version: 1 },
    ],
    graph,
  };
}
