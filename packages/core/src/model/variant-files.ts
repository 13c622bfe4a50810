// transformers.js' file name for each weight variant (its `dtype` option picks the same file).
export type Variant = 'fp32' | 'int8' | 'uint8' | 'q4';

export const VARIANT_FILES: Record<Variant, string> = {
  fp32: 'onnx/model.onnx',
  int8: 'onnx/model_int8.onnx', // dynamic int8, symmetric per-column weights
  uint8: 'onnx/model_uint8.onnx', // dynamic int8 activations, uint8 asymmetric per-column weights
  q4: 'onnx/model_q4.onnx', // weight-only 4-bit MatMulNBits, block 32
};

/** Bytes per parameter of each variant's weights (q4's per-block scales not counted). */
export const VARIANT_PARAM_BYTES: Record<Variant, number> = { fp32: 4, int8: 1, uint8: 1, q4: 0.5 };
