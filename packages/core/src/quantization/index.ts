export { float16ToFloat32, float32ToFloat16 } from './float16.ts';
export { type GemmToMatMulReport, gemmToMatMul } from './gemm-to-matmul.ts';
export type { Int8Scheme } from './int8-weights.ts';
export { type LayerQuantError, layerQuantError } from './layer-quant-error.ts';
export { type PackedQ4, packQ4 } from './pack-q4.ts';
export { type PackedQ8, packQ8 } from './pack-q8.ts';
export { type QuantErrorStats, quantError } from './quant-error.ts';
export { type Granularity, type GroupLayout, groupLayout } from './quant-groups.ts';
export {
  type Bits,
  chooseParams,
  dequantizeValue,
  type QuantParams,
  type QuantRange,
  type QuantScheme,
  quantizeValue,
  quantRange,
} from './quant-scheme.ts';
export { type QuantizeFileReport, QuantizeModelError, quantizeDynamicInt8 } from './quantize-dynamic-int8.ts';
export {
  dequantizePerColumnInt8,
  type PerColumnInt8,
  QuantizationError,
  quantizePerColumnInt8,
  roundHalfEven,
} from './quantize-per-channel.ts';
export { dequantizeTensor, type QuantizedTensor, quantizeTensor } from './quantize-tensor.ts';
export { type Int8RewriteOptions, type Int8RewriteReport, int8Scheme, rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
export { type Fp16RewriteReport, rewriteFp16Weights } from './rewrite-fp16-weights.ts';
export {
  type NBitsRewriteOptions,
  type NBitsRewriteReport,
  type Q4RewriteOptions,
  type Q4RewriteReport,
  rewriteMatMulNBits,
} from './rewrite-matmul-nbits.ts';
export { unpackNBits } from './unpack-nbits.ts';
