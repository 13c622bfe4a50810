import { fromFloat16Bits } from '../quantization/float16.ts';
import { GGML_TYPES, type GgmlType } from './gguf-format.ts';
import { QK_K, scaleMinK4 } from './gguf-k-quants.ts';

// A tensor's bytes back to float32 as ggml-quants.c's dequantize_row_* read them: what llama.cpp
// computes with. Used to check the quantizers (gguf-k-quants.test.ts), not on any run path.

/** `bytes` of `count` values of `type` → float32 (count a whole number of blocks). */
export function dequantizeTensorData(type: GgmlType, bytes: Uint8Array, count: number): Float32Array {
  const { blockSize, blockBytes } = GGML_TYPES[type];
  const y = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = (at: number) => fromFloat16Bits(view.getUint16(at, true));
  for (let b = 0; b < count / blockSize; b++) {
    const at = b * blockBytes;
    const out = y.subarray(b * blockSize, (b + 1) * blockSize);
    const block = bytes.subarray(at, at + blockBytes);
    switch (type) {
      case 'F32':
        out[0] = view.getFloat32(at, true);
        break;
      case 'F16':
        out[0] = half(at);
        break;
      case 'Q8_0':
        for (let j = 0; j < 32; j++) out[j] = half(at) * view.getInt8(at + 2 + j);
        break;
      case 'Q4_0':
        for (let j = 0; j < 16; j++) {
          out[j] = half(at) * (((block[2 + j] as number) & 0xf) - 8);
          out[j + 16] = half(at) * (((block[2 + j] as number) >> 4) - 8);
        }
        break;
      case 'Q4_K':
      case 'Q5_K': {
        const [d, dmin] = [half(at), half(at + 2)];
        const sc = block.subarray(4, 16);
        const five = type === 'Q5_K';
        const qh = block.subarray(16, 48);
        const qs = block.subarray(five ? 48 : 16);
        for (let c = 0; c < QK_K / 64; c++) {
          const [s1, m1] = scaleMinK4(2 * c, sc);
          const [s2, m2] = scaleMinK4(2 * c + 1, sc);
          for (let l = 0; l < 32; l++) {
            const q = qs[32 * c + l] as number;
            const h = five ? (qh[l] as number) : 0;
            out[64 * c + l] = d * s1 * ((q & 0xf) + (h & (1 << (2 * c)) ? 16 : 0)) - dmin * m1;
            out[64 * c + 32 + l] = d * s2 * ((q >> 4) + (h & (2 << (2 * c)) ? 16 : 0)) - dmin * m2;
          }
        }
        break;
      }
      case 'Q6_K': {
        const d = half(at + 208);
        for (let c = 0; c < 2; c++) {
          const ql = block.subarray(64 * c);
          const qh = block.subarray(128 + 32 * c);
          const sc = (k: number) => view.getInt8(at + 192 + 8 * c + k);
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const [lo, hi, h] = [ql[l] as number, ql[l + 32] as number, qh[l] as number];
            out[128 * c + l] = d * sc(is) * (((lo & 0xf) | ((h & 3) << 4)) - 32);
            out[128 * c + l + 32] = d * sc(is + 2) * (((hi & 0xf) | (((h >> 2) & 3) << 4)) - 32);
            out[128 * c + l + 64] = d * sc(is + 4) * (((lo >> 4) | (((h >> 4) & 3) << 4)) - 32);
            out[128 * c + l + 96] = d * sc(is + 6) * (((hi >> 4) | (((h >> 6) & 3) << 4)) - 32);
          }
        }
        break;
      }
    }
  }
  return y;
}
