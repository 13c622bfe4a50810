export { createModel, DEFAULT_OPSET, IR_VERSION, MS_DOMAIN, PRODUCER_NAME } from './create-model.ts';
export { type AttrValue, attr, GraphBuilder, GraphBuilderError } from './graph-builder.ts';
export { decodeModel, readModelFile } from './model-decoder.ts';
export { encodeModel, OnnxEncodeError, writeModelFile } from './model-encoder.ts';
export { nodeProto } from './node-proto.ts';
export {
  type AttributeProto,
  AttributeType,
  DATA_TYPE_BYTES,
  DataType,
  type Dim,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type OperatorSetId,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-types.ts';
export { OnnxDecodeError } from './proto-reader.ts';
export {
  elementCount,
  float32Data,
  float32Tensor,
  int64Data,
  int64Tensor,
  TensorDataError,
  tensorFromArray,
} from './tensor-data.ts';
export { VarintError } from './varint.ts';
