import type { AttributeProto, NodeProto } from './onnx-types.ts';

/** A node of the default (ai.onnx) domain, for graph rewriters that add nodes outside a GraphBuilder. */
export function nodeProto(name: string, opType: string, inputs: string[], outputs: string[], attributes: AttributeProto[] = []): NodeProto {
  return { name, opType, domain: '', inputs, outputs, attributes };
}
