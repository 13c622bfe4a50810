import { PermanentError } from '@inferlab/experiments';
import type * as ort from 'onnxruntime-node';

export class MissingOutputError extends PermanentError {
  override readonly name = 'MissingOutputError';
}

/** The float32 data of output `name`, or a MissingOutputError naming it. */
export function outputData(out: ort.InferenceSession.ReturnType, name: string): Float32Array {
  const t = out[name];
  if (t === undefined) throw new MissingOutputError(`the session returned no output '${name}'`);
  return t.data as Float32Array;
}

/** Output `name` as one number (a scalar loss). */
export function outputScalar(out: ort.InferenceSession.ReturnType, name: string): number {
  return outputData(out, name)[0] as number;
}
