import { QuantizationError } from './quantize-per-channel.ts';
import { quantizeTensor } from './quantize-tensor.ts';

// B (K, N) float32 → com.microsoft.MatMulNBits' 8-bit layout (bits 8), symmetric per block of
// `blockSize` consecutive k in one column n:
//   packed (N, kBlocks, blockSize) uint8: one byte per element, element k of column n at byte
//     k mod blockSize of its block, stored as code + 128 (codes −127..127, so stored 1..255; with
//     no zero_points input MatMulNBits takes the zero point as 2^(bits−1) = 128 and subtracts it);
//   scales (N · kBlocks) float32, n-major. K not a multiple of the block is padded with code 0.
// (The blob is blockSize · bits / 8 bytes, as for 4 bits, where two codes share a byte.)

export type PackedQ8 = { k: number; n: number; blockSize: number; kBlocks: number; packed: Uint8Array; scales: Float32Array };

export function packQ8(b: Float32Array, k: number, n: number, blockSize: number): PackedQ8 {
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new QuantizationError(`MatMulNBits block size must be a power of two ≥ 16, got ${blockSize}`);
  }
  const q = quantizeTensor(b, k, n, { bits: 8, symmetric: true }, { kind: 'block', per: 'column', size: blockSize });
  const kBlocks = Math.ceil(k / blockSize);
  const packed = new Uint8Array(n * kBlocks * blockSize).fill(128); // padding decodes to code 0
  for (let c = 0; c < n; c++) {
    const column = c * kBlocks * blockSize; // blocks of one column are contiguous: byte = k within the column
    for (let r = 0; r < k; r++) packed[column + r] = (q.values[r * n + c] as number) + 128;
  }
  return { k, n, blockSize, kBlocks, packed, scales: q.scales };
}
