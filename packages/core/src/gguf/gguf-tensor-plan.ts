import { GGML_TYPES, type GgmlType, GgufError } from './gguf-format.ts';
import type { GgufTensor } from './gguf-write.ts';

// Which ggml type each tensor gets, as llama.cpp's converter decides: 1-D tensors (norms, biases)
// and position embeddings stay F32; 2-D weights take the file's type, except where a row (ne[0])
// is not a whole number of blocks: a 32-value type falls back to F16 (llama-quantize does
// likewise), a 256-value k-quant to Q8_0 (llama-quantize picks Q5_0/Q5_1/Q8_0, two types we do
// not write), or F16 below that.

export type TensorRole = 'matrix' | 'keep-f32';

export function tensorType(target: GgmlType, ne: readonly number[], role: TensorRole): GgmlType {
  if (role === 'keep-f32' || ne.length < 2 || target === 'F32') return 'F32';
  const ne0 = ne[0] as number;
  if (ne0 % GGML_TYPES[target].blockSize === 0) return target;
  return GGML_TYPES[target].blockSize === 256 && ne0 % GGML_TYPES.Q8_0.blockSize === 0 ? 'Q8_0' : 'F16';
}

/** Float weights by name, as readFloatWeights returns them (row-major, dims outermost first). */
export type FloatWeights = ReadonlyMap<string, { dims: number[]; data: Float32Array }>;

/** Reads a weight under its first present name, checking its row-major dims. */
export function weightReader(weights: FloatWeights, where: string) {
  return (names: readonly string[], dims: readonly number[]): Float32Array => {
    for (const name of names) {
      const w = weights.get(name);
      if (w === undefined) continue;
      if (w.dims.length !== dims.length || w.dims.some((d, i) => d !== dims[i])) {
        throw new GgufError(`${where}: '${name}' has dims [${w.dims}], expected [${dims}]`);
      }
      return w.data;
    }
    throw new GgufError(`${where}: no float weight named ${names.map((n) => `'${n}'`).join(' or ')}`);
  };
}

export function hasAny(weights: FloatWeights, names: readonly string[]): boolean {
  return names.some((n) => weights.has(n));
}

/** A row-major (rows, cols) matrix as a GGUF tensor: ne = [cols, rows]. */
export function matrixTensor(
  name: string,
  rows: number,
  cols: number,
  values: Float32Array,
  target: GgmlType,
  role: TensorRole = 'matrix',
): GgufTensor {
  const ne = [cols, rows];
  return { name, ne, type: tensorType(target, ne, role), values };
}

export function vectorTensor(name: string, values: Float32Array): GgufTensor {
  return { name, ne: [values.length], type: 'F32', values };
}
