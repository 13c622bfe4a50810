// Probe (not a bench): can a graph input that also has an initializer (an ONNX 'overridable
// initializer', e.g. num_logits_to_keep defaulting to 0) be fed through onnxruntime-node 1.30?
// Measured: no — inputNames omits it, the feed is dropped and the default is used (and ORT warns
// at load). So num_logits_to_keep is a required input (runtime/logits-to-keep.ts).
import * as ort from 'onnxruntime-node';
import { createModel, DataType, encodeModel, GraphBuilder } from '../../packages/core/src/onnx/index.ts';

const g = new GraphBuilder('probe');
g.input('x', DataType.FLOAT, [4]);
g.initializer('k', DataType.INT64, [], BigInt64Array.from([0n]));
const starts = g.op('Reshape', [g.op('Neg', ['k']), g.int64('s', [1])]);
g.node('Slice', ['x', starts, g.int64('e', [1000]), g.int64('a', [0])], ['y']);
g.output('y', DataType.FLOAT, ['n']);
const graph = g.build();
graph.inputs.push({ name: 'k', elemType: DataType.INT64, shape: [] });
const s = await ort.InferenceSession.create(encodeModel(createModel(graph)), { intraOpNumThreads: 1 });
console.log('inputNames', s.inputNames, s.inputMetadata);
const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
console.log('default', (await s.run({ x })).y?.data);
console.log('k=1', (await s.run({ x, k: new ort.Tensor('int64', BigInt64Array.from([1n]), []) })).y?.data);
