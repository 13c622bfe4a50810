// In-memory shapes of the onnx.proto subset inferlab reads and writes.
// Field numbers live in the encoder/decoder; these types carry no wire detail.

/** TensorProto.DataType values (onnx.proto). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType] | number;

/** AttributeProto.AttributeType values (onnx.proto). */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType] | number;

/** Bytes per element for the fixed-width data types (raw_data layout). */
export const DATA_TYPE_BYTES: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
};

/** A tensor whose payload is always little-endian raw_data (a view, never a copy, when decoded). */
export interface TensorProto {
  name: string;
  dataType: DataType;
  dims: number[];
  rawData: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: AttributeType;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  /** Subgraphs (If/Loop bodies in hub exports); carried through, not interpreted. */
  g?: GraphProto;
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  name: string;
  opType: string;
  /** '' is the default ONNX domain. */
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeProto[];
}

/** A dimension: a fixed size, a symbolic name (dim_param), or unknown (null). */
export type Dim = number | string | null;

export interface ValueInfoProto {
  name: string;
  /** 0 when the value is not a tensor type (sequences, maps: not modelled). */
  elemType: DataType;
  /** null when the shape is absent (rank unknown). */
  shape: Dim[] | null;
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface OperatorSetId {
  /** '' is the default ONNX domain. */
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImports: OperatorSetId[];
  graph: GraphProto;
}
