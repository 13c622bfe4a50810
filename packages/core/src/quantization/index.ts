export { type QuantizeFileReport, QuantizeModelError, quantizeDynamicInt8 } from './quantize-dynamic-int8.ts';
export {
  dequantizePerColumnInt8,
  type PerColumnInt8,
  QuantizationError,
  quantizePerColumnInt8,
  roundHalfEven,
} from './quantize-per-channel.ts';
export { type Int8RewriteOptions, type Int8RewriteReport, rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
