import { PermanentError } from '@inferlab/experiments';
import type { AttributeProto, Dim, GraphProto, ModelProto, NodeProto, OperatorSetId, TensorProto, ValueInfoProto } from './onnx-types.ts';
import { ProtoMessage } from './proto-message.ts';
import { BufferSink, FileSink } from './proto-sink.ts';

// ModelProto → protobuf wire bytes, field numbers from onnx/onnx.proto. Repeated scalars are
// written unpacked (proto2 default, as onnx's own serializer does); readers accept both forms.

export class OnnxEncodeError extends PermanentError {
  override readonly name = 'OnnxEncodeError';
}

function tensorMessage(t: TensorProto): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of t.dims) m.varint(1, d); // dims
  m.varint(2, t.dataType); // data_type
  if (t.name !== '') m.string(8, t.name); // name
  m.bytes(9, t.rawData); // raw_data
  return m;
}

function attributeMessage(a: AttributeProto): ProtoMessage {
  const m = new ProtoMessage().string(1, a.name); // name
  if (a.f !== undefined) m.float(2, a.f);
  if (a.i !== undefined) m.varint(3, a.i);
  if (a.s !== undefined) m.bytes(4, a.s);
  if (a.t !== undefined) m.message(5, tensorMessage(a.t));
  if (a.g !== undefined) m.message(6, graphMessage(a.g));
  for (const f of a.floats ?? []) m.float(7, f);
  for (const i of a.ints ?? []) m.varint(8, i);
  for (const s of a.strings ?? []) m.bytes(9, s);
  for (const t of a.tensors ?? []) m.message(10, tensorMessage(t));
  for (const g of a.graphs ?? []) m.message(11, graphMessage(g));
  m.varint(20, a.type); // type
  return m;
}

function nodeMessage(n: NodeProto): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  if (n.name !== '') m.string(3, n.name);
  m.string(4, n.opType);
  for (const a of n.attributes) m.message(5, attributeMessage(a));
  if (n.domain !== '') m.string(7, n.domain);
  return m;
}

function dimMessage(d: Dim): ProtoMessage {
  const m = new ProtoMessage();
  if (typeof d === 'number')
    m.varint(1, d); // dim_value
  else if (typeof d === 'string') m.string(2, d); // dim_param
  return m;
}

function valueInfoMessage(v: ValueInfoProto): ProtoMessage {
  const tensorType = new ProtoMessage().varint(1, v.elemType); // TypeProto.Tensor.elem_type
  if (v.shape !== null) {
    const shape = new ProtoMessage();
    for (const d of v.shape) shape.message(1, dimMessage(d)); // TensorShapeProto.dim
    tensorType.message(2, shape);
  }
  const type = new ProtoMessage().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoMessage().string(1, v.name).message(2, type);
}

function graphMessage(g: GraphProto): ProtoMessage {
  const m = new ProtoMessage();
  for (const n of g.nodes) m.message(1, nodeMessage(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, tensorMessage(t));
  for (const v of g.inputs) m.message(11, valueInfoMessage(v));
  for (const v of g.outputs) m.message(12, valueInfoMessage(v));
  for (const v of g.valueInfo) m.message(13, valueInfoMessage(v));
  return m;
}

function opsetMessage(o: OperatorSetId): ProtoMessage {
  const m = new ProtoMessage();
  if (o.domain !== '') m.string(1, o.domain);
  return m.varint(2, o.version);
}

function modelMessage(model: ModelProto): ProtoMessage {
  const m = new ProtoMessage().varint(1, model.irVersion).string(2, model.producerName);
  if (model.producerVersion !== '') m.string(3, model.producerVersion);
  m.message(7, graphMessage(model.graph));
  for (const o of model.opsetImports) m.message(8, opsetMessage(o));
  return m;
}

/** Encodes a model into one buffer allocated at its exact final size. */
export function encodeModel(model: ModelProto): Buffer {
  const m = modelMessage(model);
  const sink = new BufferSink(m.byteLength);
  m.writeTo(sink);
  if (sink.position !== m.byteLength) {
    throw new OnnxEncodeError(`encoded ${sink.position} bytes, expected ${m.byteLength}`);
  }
  return sink.buffer;
}

/** Streams a model to a file without materializing it in memory; returns its size and sha256. */
export function writeModelFile(path: string, model: ModelProto): { bytes: number; sha256: string } {
  const m = modelMessage(model);
  const sink = new FileSink(path);
  try {
    m.writeTo(sink);
  } catch (cause) {
    sink.close();
    throw new OnnxEncodeError(`writing ${path} failed`, { cause });
  }
  const written = sink.close();
  if (written.bytes !== m.byteLength) {
    throw new OnnxEncodeError(`wrote ${written.bytes} bytes to ${path}, expected ${m.byteLength}`);
  }
  return written;
}
