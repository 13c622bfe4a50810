// Probe (not a bench): does onnxruntime-node 1.30 copy input tensors, and does it write into pre-allocated outputs?
import * as ort from 'onnxruntime-node';
import { attr, createModel, DataType, encodeModel, GraphBuilder } from '../../packages/core/src/onnx/index.ts';

const g = new GraphBuilder('probe');
g.input('x', DataType.FLOAT, ['n']);
g.input('small', DataType.FLOAT, [4]);
g.node('Shape', ['x'], ['shape']);
g.output('shape', DataType.INT64, [1]);
g.node('Add', ['small', g.float32('one', [1])], ['y']);
g.output('y', DataType.FLOAT, [4]);
const s = await ort.InferenceSession.create(encodeModel(createModel(g.build())), { intraOpNumThreads: 1 });
for (const n of [1e3, 1e6, 3e7]) {
  const x = new ort.Tensor('float32', new Float32Array(n), [n]);
  const small = new ort.Tensor('float32', new Float32Array(4), [4]);
  await s.run({ x, small });
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await s.run({ x, small });
  console.log(`input ${n * 4} bytes: ${((performance.now() - t0) / 10).toFixed(3)} ms/run`);
}
const out = new Float32Array(4);
const y = new ort.Tensor('float32', out, [4]);
const r = await s.run(
  { x: new ort.Tensor('float32', new Float32Array(3), [3]), small: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [4]) },
  { y },
);
console.log(
  'preallocated output written in place:',
  Array.from(out),
  'returned same object:',
  r.y === y,
  'returned data same buffer:',
  ((r.y as ort.Tensor).data as Float32Array).buffer === out.buffer,
);
// in-place: feed and fetch the same buffer
const buf = new Float32Array([10, 20, 30, 40]);
const r2 = await s.run(
  { x: new ort.Tensor('float32', new Float32Array(3), [3]), small: new ort.Tensor('float32', buf, [4]) },
  { y: new ort.Tensor('float32', buf, [4]) },
);
console.log('same buffer in/out:', Array.from(buf), Array.from((r2.y as ort.Tensor).data as Float32Array));
// subarray view as input (offset into a larger buffer)
const big = new Float32Array([0, 0, 5, 6, 7, 8]);
const r3 = await s.run({ x: new ort.Tensor('float32', new Float32Array(3), [3]), small: new ort.Tensor('float32', big.subarray(2), [4]) }, [
  'y',
]);
console.log('subarray input honoured:', Array.from((r3.y as ort.Tensor).data as Float32Array));
void attr;
