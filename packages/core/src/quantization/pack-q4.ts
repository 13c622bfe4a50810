import { QuantizationError } from './quantize-per-channel.ts';
import { quantizeTensor } from './quantize-tensor.ts';

// B (K, N) float32 → com.microsoft.MatMulNBits' 4-bit layout, symmetric per block of `blockSize`
// consecutive k in one column n:
//   packed (N, kBlocks, blockSize / 2) uint8: element k of column n sits in byte k / 2 of its
//     block, low nibble for even k, high nibble for odd k, stored as code + 8 (codes −7..7, so
//     stored 1..15; with no zero_points input MatMulNBits subtracts 8 itself);
//   scales (N · kBlocks) float32, n-major. K not a multiple of the block is padded with code 0.

export type PackedQ4 = { k: number; n: number; blockSize: number; kBlocks: number; packed: Uint8Array; scales: Float32Array };

export function packQ4(b: Float32Array, k: number, n: number, blockSize: number): PackedQ4 {
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) {
    throw new QuantizationError(`MatMulNBits block size must be a power of two ≥ 16, got ${blockSize}`);
  }
  const q = quantizeTensor(b, k, n, { bits: 4, symmetric: true }, { kind: 'block', per: 'column', size: blockSize });
  const kBlocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * kBlocks * blob).fill(0x88); // padding decodes to code 0
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < k; r++) {
      const stored = (q.values[r * n + c] as number) + 8;
      const byte = c * kBlocks * blob + (r >> 1);
      const old = packed[byte] as number;
      packed[byte] = r % 2 === 0 ? (old & 0xf0) | stored : (old & 0x0f) | (stored << 4);
    }
  }
  return { k, n, blockSize, kBlocks, packed, scales: q.scales };
}
