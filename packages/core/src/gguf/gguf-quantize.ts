import { endianness } from 'node:os';
import { assertNever } from '@inferlab/experiments';
import { toFloat16Bits } from '../quantization/float16.ts';
import { GGML_TYPES, type GgmlType, GgufError } from './gguf-format.ts';
import { encodeKQuant } from './gguf-k-quants.ts';

// Float32 rows → the bytes of one ggml tensor type, as ggml-quants.c's reference quantizers
// (quantize_row_q8_0_ref, quantize_row_q4_0_ref) compute them, float32 arithmetic included, so a
// file we write holds the blocks llama.cpp's own converter would. Blocks run along ne[0].

const QK = 32;
const LITTLE_ENDIAN = endianness() === 'LE';

/** C's roundf: half away from zero (Math.round rounds half up). */
const roundf = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

function q8_0(x: Float32Array, out: DataView): void {
  for (let b = 0; b * QK < x.length; b++) {
    const base = b * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[base + j] as number));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const at = b * GGML_TYPES.Q8_0.blockBytes;
    out.setUint16(at, toFloat16Bits(d), true);
    for (let j = 0; j < QK; j++) out.setInt8(at + 2 + j, roundf(Math.fround((x[base + j] as number) * id)));
  }
}

function q4_0(x: Float32Array, out: DataView): void {
  for (let b = 0; b * QK < x.length; b++) {
    const base = b * QK;
    let amax = 0;
    let max = 0; // the element of largest magnitude, with its sign
    for (let j = 0; j < QK; j++) {
      const v = x[base + j] as number;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const at = b * GGML_TYPES.Q4_0.blockBytes;
    out.setUint16(at, toFloat16Bits(d), true);
    const nibble = (v: number) => Math.min(15, Math.trunc(Math.fround(Math.fround(v * id) + 8.5)));
    for (let j = 0; j < QK / 2; j++) {
      const lo = nibble(x[base + j] as number); // elements 0..15: low nibbles
      const hi = nibble(x[base + QK / 2 + j] as number); // elements 16..31: high nibbles
      out.setUint8(at + 2 + j, lo | (hi << 4));
    }
  }
}

/** `data` (ne[0] contiguous, ne[0] a multiple of the type's block size) encoded as `type`. */
export function encodeTensorData(type: GgmlType, data: Float32Array): Uint8Array {
  const t = GGML_TYPES[type];
  if (data.length % t.blockSize !== 0) throw new GgufError(`${type}: ${data.length} values is not a whole number of blocks`);
  const bytes = new Uint8Array((data.length / t.blockSize) * t.blockBytes);
  const view = new DataView(bytes.buffer);
  switch (type) {
    case 'F32':
      if (LITTLE_ENDIAN) bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
      break;
    case 'F16':
      for (let i = 0; i < data.length; i++) view.setUint16(i * 2, toFloat16Bits(data[i] as number), true);
      break;
    case 'Q8_0':
      q8_0(data, view);
      break;
    case 'Q4_0':
      q4_0(data, view);
      break;
    case 'Q4_K':
    case 'Q5_K':
    case 'Q6_K':
      encodeKQuant(type, data, bytes, t.blockBytes);
      break;
    default:
      assertNever(type);
  }
  return bytes;
}
