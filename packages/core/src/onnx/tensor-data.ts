import { endianness } from 'node:os';
import { PermanentError } from '@inferlab/experiments';
import { DATA_TYPE_BYTES, DataType, type TensorProto } from './onnx-types.ts';

// Typed-array ↔ TensorProto raw_data. raw_data is little-endian by spec; every platform Node
// supports for onnxruntime is little-endian, so typed arrays are used as views without byte swaps.

if (endianness() !== 'LE') throw new Error('inferlab/onnx assumes a little-endian host');

export class TensorDataError extends PermanentError {
  override readonly name = 'TensorDataError';
}

type TypedArray = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Float64Array | Uint16Array;

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A TensorProto whose raw_data is a view of `data` (no copy). */
export function tensorFromArray(name: string, dataType: DataType, dims: number[], data: TypedArray): TensorProto {
  const width = DATA_TYPE_BYTES[dataType];
  if (width === undefined || data.BYTES_PER_ELEMENT !== width) {
    throw new TensorDataError(`tensor '${name}': ${data.constructor.name} does not hold data type ${dataType}`);
  }
  if (data.length !== elementCount(dims)) {
    throw new TensorDataError(`tensor '${name}': ${data.length} values for dims [${dims.join(', ')}]`);
  }
  return { name, dataType, dims, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int64Tensor(name: string, values: readonly number[], dims: number[] = [values.length]): TensorProto {
  return tensorFromArray(
    name,
    DataType.INT64,
    dims,
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}

export function float32Tensor(name: string, values: readonly number[] | Float32Array, dims: number[]): TensorProto {
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return tensorFromArray(name, DataType.FLOAT, dims, data);
}

/** The tensor's values as float32: a view when raw_data is 4-byte aligned, else one copy. */
export function float32Data(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new TensorDataError(`tensor '${t.name}' is not float32`);
  const raw = t.rawData;
  if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const copy = new Uint8Array(raw.byteLength); // not raw.slice(): on a Buffer that is a view
  copy.set(raw);
  return new Float32Array(copy.buffer);
}

/** The tensor's values as int64 numbers (exact below 2^53). */
export function int64Data(t: TensorProto): number[] {
  if (t.dataType !== DataType.INT64) throw new TensorDataError(`tensor '${t.name}' is not int64`);
  const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  const out: number[] = [];
  for (let i = 0; i < t.rawData.byteLength; i += 8) out.push(Number(dv.getBigInt64(i, true)));
  return out;
}
