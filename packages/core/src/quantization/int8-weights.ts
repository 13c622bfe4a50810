import { DataType, type NodeProto, type TensorProto } from '../onnx/index.ts';

// Pieces shared by the int8 rewrite's passes.

/**
 * Names of a quantized weight's initializers: int8 or uint8 values (rows, cols), scales (cols),
 * and for uint8 the zero points (cols) as uint8 (for DynamicQuantizeMatMul) and float (for Gather).
 */
export type QuantizedWeight = { values: string; scales: string; cols: number; zeroPoints?: { uint8: string; float: string } };

/** The weight a node reads that the rewrite can serve from int8: MatMul's B, Gather's data. */
export function weightRead(n: NodeProto): string | undefined {
  if (n.domain !== '') return undefined;
  if (n.opType === 'MatMul') return n.inputs[1];
  if (n.opType === 'Gather') return n.inputs[0];
  return undefined;
}

export function isQuantizableWeight(t: TensorProto | undefined): t is TensorProto {
  return t !== undefined && t.dataType === DataType.FLOAT && t.dims.length === 2;
}
