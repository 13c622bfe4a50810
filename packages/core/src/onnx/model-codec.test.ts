import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createModel } from './create-model.ts';
import { attr, GraphBuilder, GraphBuilderError } from './graph-builder.ts';
import { decodeModel, readModelFile } from './model-decoder.ts';
import { encodeModel, writeModelFile } from './model-encoder.ts';
import { AttributeType, DataType, type ModelProto } from './onnx-types.ts';
import { ProtoMessage } from './proto-message.ts';
import { OnnxDecodeError } from './proto-reader.ts';
import { BufferSink } from './proto-sink.ts';
import { float32Data, int64Data, int64Tensor } from './tensor-data.ts';

function sampleModel(): ModelProto {
  const g = new GraphBuilder('sample');
  const x = g.input('x', DataType.FLOAT, ['batch', 'seq', 4]);
  g.input('maybe', DataType.INT64, [null, 2]);
  const w = g.initializer(
    'w',
    DataType.FLOAT,
    [4, 3],
    Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5),
  );
  g.initializer('q', DataType.INT8, [2, 2], Int8Array.from([-127, -1, 0, 127]));
  const mm = g.op('MatMul', [x, w]);
  g.node('Softmax', [mm], ['y'], { axis: attr.int(-1) });
  g.node(
    'Custom',
    ['y', ''],
    ['z'],
    {
      f: attr.float(1.5),
      big: attr.int(2 ** 40),
      neg: attr.int(-3),
      s: attr.string('héllo'),
      t: attr.tensor(int64Tensor('shape', [0, -1, 2 ** 53 - 1])),
      fs: attr.floats([0.25, -2]),
      is: attr.ints([1, -1, 0]),
    },
    'com.example',
  );
  g.output('y', DataType.FLOAT, ['batch', 'seq', 3]);
  g.output('z', DataType.FLOAT, null); // rank unknown
  const graph = g.build();
  graph.valueInfo.push({ name: mm, elemType: DataType.FLOAT, shape: ['batch', 'seq', 3] });
  return createModel(graph);
}

/** Compares with typed arrays turned into plain arrays (views vs copies are not the point). */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('ONNX codec', () => {
  it('round-trips a model: encode → decode → equal', () => {
    const model = sampleModel();
    const bytes = encodeModel(model);
    const decoded = decodeModel(bytes);
    expect(plain(decoded)).toEqual(plain(model));
    expect(encodeModel(decoded).equals(bytes)).toBe(true);
  });

  it('decodes raw_data as views into the file buffer, not copies', () => {
    const bytes = encodeModel(sampleModel());
    const w = decodeModel(bytes).graph.initializers.find((t) => t.name === 'w');
    expect(w?.rawData.buffer).toBe(bytes.buffer);
    expect(Array.from(float32Data(w!)).map((v) => Math.round(v * 7e4) / 1e4)).toEqual(
      Array.from({ length: 12 }, (_, i) => Math.round((i / 7 - 0.5) * 7e4) / 1e4),
    );
  });

  it('streams to a file with the same bytes and reports the sha256', () => {
    const model = sampleModel();
    const path = join(mkdtempSync(join(tmpdir(), 'inferlab-onnx-')), 'm.onnx');
    const written = writeModelFile(path, model);
    const file = readFileSync(path);
    expect(file.equals(encodeModel(model))).toBe(true);
    expect(written).toEqual({ bytes: file.byteLength, sha256: createHash('sha256').update(file).digest('hex') });
    expect(plain(readModelFile(path))).toEqual(plain(model));
  });

  it('accepts packed repeated fields and tensors stored in float_data / int64_data', () => {
    const floatTensor = new ProtoMessage().bytes(1, Uint8Array.from([2, 3])); // dims, packed
    floatTensor.varint(2, DataType.FLOAT).string(8, 'f');
    const floats = new Float32Array([1, -2, 0.5, 3, 4, 5]);
    floatTensor.bytes(4, new Uint8Array(floats.buffer)); // float_data, packed
    const intTensor = new ProtoMessage().varint(1, 3).varint(2, DataType.INT64).string(8, 'i');
    for (const v of [-1, 7, 2 ** 40]) intTensor.varint(7, v); // int64_data, unpacked
    const attrMsg = new ProtoMessage().string(1, 'perm').varint(20, AttributeType.INTS);
    attrMsg.bytes(8, Uint8Array.from([1, 0])); // ints, packed
    const node = new ProtoMessage().string(1, 'f').string(2, 'o').string(4, 'Transpose').message(5, attrMsg);
    const graph = new ProtoMessage().message(1, node).string(2, 'g').message(5, floatTensor).message(5, intTensor);
    const model = new ProtoMessage().varint(1, 9).message(7, graph);
    const sink = new BufferSink(model.byteLength);
    model.writeTo(sink);

    const decoded = decodeModel(sink.buffer);
    const [f, i] = decoded.graph.initializers;
    expect(f?.dims).toEqual([2, 3]);
    expect(Array.from(float32Data(f!))).toEqual([1, -2, 0.5, 3, 4, 5]);
    expect(int64Data(i!)).toEqual([-1, 7, 2 ** 40]);
    expect(decoded.graph.nodes[0]?.attributes[0]?.ints).toEqual([1, 0]);
    expect(decoded.irVersion).toBe(9);
  });

  it('rejects malformed input with OnnxDecodeError', () => {
    const bytes = encodeModel(sampleModel());
    expect(() => decodeModel(bytes.subarray(0, bytes.byteLength - 5))).toThrow(OnnxDecodeError);
    expect(() => decodeModel(Uint8Array.from([0x08, 0x08]))).toThrow(/no graph/);
  });
});

describe('GraphBuilder', () => {
  it('generates unique names and refuses duplicates', () => {
    const g = new GraphBuilder('g');
    expect([g.uniqueName('a'), g.uniqueName('a'), g.uniqueName('a')]).toEqual(['a', 'a_1', 'a_2']);
    g.input('x', DataType.FLOAT, [1]);
    expect(() => g.input('x', DataType.FLOAT, [1])).toThrow(GraphBuilderError);
    expect(g.uniqueName('x')).toBe('x_1');
  });

  it('writes models onnxruntime loads and runs', async () => {
    const g = new GraphBuilder('t');
    const x = g.input('x', DataType.FLOAT, ['batch', 3]);
    const w = g.initializer('w', DataType.FLOAT, [3, 2], Float32Array.from([1, 2, 3, 4, 5, 6]));
    const scaled = g.op('Mul', [g.op('MatMul', [x, w]), g.float32('half', [0.5])]);
    g.node('Transpose', [scaled], ['y'], { perm: attr.ints([1, 0]) });
    g.output('y', DataType.FLOAT, [2, 'batch']);
    const session = await ort.InferenceSession.create(encodeModel(createModel(g.build())));
    const x0 = new ort.Tensor('float32', Float32Array.from([1, 1, 1, -1, 0, 2]), [2, 3]);
    const { y } = await session.run({ x: x0 });
    expect(y?.dims).toEqual([2, 2]);
    expect(Array.from(y?.data as Float32Array)).toEqual([4.5, 4.5, 6, 5]); // transpose of 0.5·x·w
    await session.release();
  });
});
