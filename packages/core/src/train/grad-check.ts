import * as ort from 'onnxruntime-node';
import { Xoshiro128 } from '../forge/prng.ts';
import { attr, createModel, DataType, encodeModel } from '../onnx/index.ts';
import { GradTape } from './grad-tape.ts';
import { outputData, outputScalar } from './session-output.ts';

// Test support (not exported from index.ts): checks one tape op's backward against central finite
// differences of the same graph's forward. The scalar probed is Σ out·r with a fixed random r, so
// every output element weighs in with its own sign and size.

export type GradCheckInput = { dims: number[]; data: Float32Array };

export type GradCheckCase = {
  inputs: Record<string, GradCheckInput>;
  /** Writes the op on the tape; returns its output and the output's static dims. */
  build: (t: GradTape, x: Record<string, string>) => { out: string; dims: number[] };
  /** Finite-difference step (default 1e-2: float32 forward, so smaller steps drown in rounding). */
  step?: number;
};

export type GradCheckResult = { maxAbsError: number; maxAbsGrad: number; checked: number };

export function randomInput(dims: number[], std: number, seed: number, offset = 0): GradCheckInput {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  new Xoshiro128(seed).fillNormal(data, std);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) + offset;
  return { dims, data };
}

export async function gradCheck(c: GradCheckCase): Promise<GradCheckResult> {
  const t = new GradTape('grad-check');
  const names: Record<string, string> = {};
  for (const [name, input] of Object.entries(c.inputs)) names[name] = t.g.input(name, DataType.FLOAT, input.dims);
  const { out, dims } = c.build(t, names);
  const r = randomInput(dims, 1, 99);
  const probeR = t.g.initializer('probe_r', DataType.FLOAT, dims, r.data);
  const probe = t.g.op('ReduceSum', [t.g.op('Mul', [out, probeR])], {
    keepdims: attr.int(0),
  });
  t.g.node('Identity', [probe], ['probe']);
  t.g.output('probe', DataType.FLOAT, []);
  t.backward(out, probeR); // ∂probe/∂out = r
  for (const [name, input] of Object.entries(c.inputs)) t.outputGrad(names[name] as string, `d_${name}`, input.dims);
  const session = await ort.InferenceSession.create(encodeModel(createModel(t.g.build())), { intraOpNumThreads: 1 });
  const run = async () => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, input] of Object.entries(c.inputs)) feeds[name] = new ort.Tensor('float32', input.data, input.dims);
    return session.run(feeds);
  };
  const probeAt = async () => outputScalar(await run(), 'probe');
  const out0 = await run();
  const h = c.step ?? 1e-2;
  let maxAbsError = 0;
  let maxAbsGrad = 0;
  let checked = 0;
  for (const [name, input] of Object.entries(c.inputs)) {
    const grad = outputData(out0, `d_${name}`);
    for (let i = 0; i < input.data.length; i++) {
      const x = input.data[i] as number;
      input.data[i] = x + h;
      const up = await probeAt();
      input.data[i] = x - h;
      const down = await probeAt();
      input.data[i] = x;
      const fd = (up - down) / (2 * h);
      maxAbsError = Math.max(maxAbsError, Math.abs(fd - (grad[i] as number)));
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(grad[i] as number));
      checked += 1;
    }
  }
  await session.release();
  return { maxAbsError, maxAbsGrad, checked };
}
