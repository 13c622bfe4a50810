import { quantError } from './quant-error.ts';

/** One quantized weight's reconstruction error (quant-error.ts), as every rewrite report lists it. */
export type LayerQuantError = { weight: string; dims: number[]; mse: number; maxAbsError: number; sqnrDb: number };

/** x: the float weight; xHat: what the rewritten graph computes with in its place (same layout). */
export function layerQuantError(weight: string, dims: readonly number[], x: Float32Array, xHat: Float32Array): LayerQuantError {
  return { weight, dims: [...dims], ...quantError(x, xHat) };
}
