import { DataType, float32Data, type NodeProto, type TensorProto, tensorFromArray } from '../onnx/index.ts';
import { type LayerQuantError, layerQuantError } from './layer-quant-error.ts';
import { dequantizePerColumnInt8, quantizePerColumnInt8 } from './quantize-per-channel.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

// The int8 rewrite's weights: one (rows, cols) float32 MatMul B → the initializers
// com.microsoft.DynamicQuantizeMatMul reads. B is int8 or uint8 (its zero point, when given, has
// B's type); scale and zero point are (cols) per channel or scalars (dims []) per tensor.
//   signed symmetric:     int8 codes −127..127, no zero point (the kernel takes it as 0);
//   signed asymmetric:    the uint8 asymmetric codes and zero points shifted by −128 — the same
//                         real values (s · (q − z) is unchanged), stored in int8's range;
//   unsigned asymmetric:  uint8 codes 0..255 and zero points;
//   unsigned symmetric:   the symmetric codes + 128, zero point 128.

export type Int8Scheme = { signed: boolean; symmetric: boolean; granularity: 'per-channel' | 'per-tensor' };

/**
 * Names of a quantized weight's initializers: codes (rows, cols), scales, and when asymmetric the
 * zero points, once with the codes' type (DynamicQuantizeMatMul) and once as float (Gather).
 */
export type QuantizedWeight = {
  values: string;
  scales: string;
  cols: number;
  /** Scalar scale and zero point (per tensor): a Gather of columns does not gather them. */
  perTensor?: boolean;
  zeroPoints?: { integer: string; float: string };
};

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

export function quantizeInt8Weight(
  t: TensorProto,
  s: Int8Scheme,
): { entry: QuantizedWeight; tensors: TensorProto[]; layer: LayerQuantError } {
  const name = t.name;
  const [rows, cols] = t.dims as [number, number];
  const w = float32Data(t);
  const perTensor = s.granularity === 'per-tensor';
  const entry: QuantizedWeight = { values: `${name}_quantized`, scales: `${name}_scale`, cols, ...(perTensor ? { perTensor } : {}) };
  if (s.signed && s.symmetric && !perTensor) {
    // The original int8 path (onnxruntime's quantizer arithmetic), kept so model_int8.onnx keeps its bytes.
    const q = quantizePerColumnInt8(w, rows, cols);
    const tensors = [
      tensorFromArray(entry.values, DataType.INT8, [rows, cols], q.values),
      tensorFromArray(entry.scales, DataType.FLOAT, [cols], q.scales),
    ];
    return { entry, tensors, layer: layerQuantError(name, t.dims, w, dequantizePerColumnInt8(q, rows, cols)) };
  }
  const q = quantizeTensor(
    w,
    rows,
    cols,
    { bits: 8, symmetric: s.symmetric },
    perTensor ? { kind: 'tensor' } : { kind: 'channel', per: 'column' },
  );
  const layer = layerQuantError(name, t.dims, w, dequantizeTensor(q));
  const paramDims = perTensor ? [] : [cols];
  const tensors = [tensorFromArray(entry.scales, DataType.FLOAT, paramDims, q.scales)];
  if (s.signed && s.symmetric) {
    tensors.unshift(tensorFromArray(entry.values, DataType.INT8, [rows, cols], q.values));
    return { entry, tensors, layer };
  }
  // Codes and zero points moved into the stored type's range (see the table above).
  const shift = s.signed === s.symmetric ? 0 : s.signed ? -128 : 128;
  const type = s.signed ? DataType.INT8 : DataType.UINT8;
  // Plain loops: TypedArray.from with a map function is ~40× slower on 38M-value embeddings.
  const codes = (xs: Int8Array | Uint8Array | Int32Array) => {
    if (shift === 0 && xs instanceof Uint8Array) return xs; // uint8 asymmetric: already stored form
    const out = s.signed ? new Int8Array(xs.length) : new Uint8Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = (xs[i] as number) + shift;
    return out;
  };
  const zp = Int32Array.from(q.zeroPoints, (z) => z + shift);
  entry.zeroPoints = { integer: `${name}_zero_point`, float: `${name}_zero_point_float` };
  tensors.unshift(tensorFromArray(entry.values, type, [rows, cols], codes(q.values)));
  tensors.push(tensorFromArray(entry.zeroPoints.integer, type, paramDims, codes(q.zeroPoints)));
  tensors.push(tensorFromArray(entry.zeroPoints.float, DataType.FLOAT, paramDims, Float32Array.from(zp)));
  return { entry, tensors, layer };
}
