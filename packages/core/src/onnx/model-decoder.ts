import { readFileSync } from 'node:fs';
import type { AttributeProto, Dim, GraphProto, ModelProto, NodeProto, OperatorSetId, ValueInfoProto } from './onnx-types.ts';
import { OnnxDecodeError, ProtoReader } from './proto-reader.ts';
import { decodeTensor } from './tensor-decoder.ts';

// Protobuf bytes → ModelProto (the subset in onnx-types.ts). Unknown fields are skipped; fields
// whose loss would silently change the model's meaning (functions, sparse initializers) throw.

function decodeAttribute(r: ProtoReader): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  while (!r.done) {
    const [no, wt] = r.tag();
    switch (no) {
      case 1:
        a.name = r.string();
        break;
      case 2:
        a.f = r.float();
        break;
      case 3:
        a.i = r.varint();
        break;
      case 4:
        a.s = r.bytes();
        break;
      case 5:
        a.t = decodeTensor(r.message());
        break;
      case 6:
        a.g = decodeGraph(r.message());
        break;
      case 7:
        r.repeated(wt, () => r.float(), (a.floats ??= []));
        break;
      case 8:
        r.repeated(wt, () => r.varint(), (a.ints ??= []));
        break;
      case 9:
        (a.strings ??= []).push(r.bytes());
        break;
      case 10:
        (a.tensors ??= []).push(decodeTensor(r.message()));
        break;
      case 11:
        (a.graphs ??= []).push(decodeGraph(r.message()));
        break;
      case 20:
        a.type = r.varint();
        break;
      case 21:
        throw new OnnxDecodeError(`attribute '${a.name}' is a function attribute reference`);
      case 22:
        throw new OnnxDecodeError(`attribute '${a.name}' holds a sparse tensor`);
      default:
        r.skip(wt);
    }
  }
  return a;
}

function decodeNode(r: ProtoReader): NodeProto {
  const n: NodeProto = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const [no, wt] = r.tag();
    switch (no) {
      case 1:
        n.inputs.push(r.string());
        break;
      case 2:
        n.outputs.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attributes.push(decodeAttribute(r.message()));
        break;
      case 7:
        n.domain = r.string();
        break;
      default:
        r.skip(wt);
    }
  }
  return n;
}

function decodeDim(r: ProtoReader): Dim {
  let d: Dim = null;
  while (!r.done) {
    const [no, wt] = r.tag();
    if (no === 1) d = r.varint();
    else if (no === 2) d = r.string();
    else r.skip(wt);
  }
  return d;
}

function decodeTensorType(r: ProtoReader, v: ValueInfoProto): void {
  while (!r.done) {
    const [no, wt] = r.tag();
    if (no === 1) v.elemType = r.varint();
    else if (no === 2) {
      const shape: Dim[] = [];
      const s = r.message();
      while (!s.done) {
        const [sno, swt] = s.tag();
        if (sno === 1) shape.push(decodeDim(s.message()));
        else s.skip(swt);
      }
      v.shape = shape;
    } else r.skip(wt);
  }
}

function decodeValueInfo(r: ProtoReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '', elemType: 0, shape: null };
  while (!r.done) {
    const [no, wt] = r.tag();
    if (no === 1) v.name = r.string();
    else if (no === 2) {
      const type = r.message();
      while (!type.done) {
        const [tno, twt] = type.tag();
        if (tno === 1) decodeTensorType(type.message(), v);
        else type.skip(twt);
      }
    } else r.skip(wt);
  }
  return v;
}

function decodeGraph(r: ProtoReader): GraphProto {
  const g: GraphProto = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
  while (!r.done) {
    const [no, wt] = r.tag();
    switch (no) {
      case 1:
        g.nodes.push(decodeNode(r.message()));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializers.push(decodeTensor(r.message()));
        break;
      case 11:
        g.inputs.push(decodeValueInfo(r.message()));
        break;
      case 12:
        g.outputs.push(decodeValueInfo(r.message()));
        break;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.message()));
        break;
      case 15:
        throw new OnnxDecodeError(`graph '${g.name}' has sparse initializers`);
      default:
        r.skip(wt);
    }
  }
  return g;
}

function decodeOpset(r: ProtoReader): OperatorSetId {
  const o: OperatorSetId = { domain: '', version: 0 };
  while (!r.done) {
    const [no, wt] = r.tag();
    if (no === 1) o.domain = r.string();
    else if (no === 2) o.version = r.varint();
    else r.skip(wt);
  }
  return o;
}

/** Decodes a model; tensor raw_data are views into `bytes`, which must outlive the result. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const r = new ProtoReader(bytes);
  const m: ModelProto = { irVersion: 0, producerName: '', producerVersion: '', opsetImports: [], graph: emptyGraph() };
  let sawGraph = false;
  try {
    while (!r.done) {
      const [no, wt] = r.tag();
      switch (no) {
        case 1:
          m.irVersion = r.varint();
          break;
        case 2:
          m.producerName = r.string();
          break;
        case 3:
          m.producerVersion = r.string();
          break;
        case 7:
          m.graph = decodeGraph(r.message());
          sawGraph = true;
          break;
        case 8:
          m.opsetImports.push(decodeOpset(r.message()));
          break;
        case 25:
          throw new OnnxDecodeError('model defines local functions, which are not supported');
        default:
          r.skip(wt);
      }
    }
  } catch (cause) {
    if (cause instanceof OnnxDecodeError) throw cause;
    throw new OnnxDecodeError('malformed ONNX protobuf', { cause });
  }
  if (!sawGraph) throw new OnnxDecodeError('model has no graph (field 7)');
  return m;
}

/** Reads and decodes a model file (one read; tensors are views into that buffer). */
export function readModelFile(path: string): ModelProto {
  try {
    return decodeModel(readFileSync(path));
  } catch (cause) {
    throw new OnnxDecodeError(`cannot decode ONNX model ${path}`, { cause });
  }
}

function emptyGraph(): GraphProto {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
}
