// The float32 weight (K, N) row-major that MatMulNBits computes with, read back from its packed
// blob (N, kBlocks, blockSize · bits / 8) and scales (N · kBlocks), default zero point 2^(bits−1):
//   W[k, n] = scale[n, k / blockSize] · (code(n, k) − 2^(bits−1)).
// For 4 bits element k sits in byte k / 2 of its block (low nibble when k is even).

export type PackedNBits = { k: number; n: number; blockSize: number; kBlocks: number; packed: Uint8Array; scales: Float32Array };

export function unpackNBits(p: PackedNBits, bits: 4 | 8): Float32Array {
  const out = new Float32Array(p.k * p.n);
  const blob = (p.blockSize * bits) / 8;
  const zero = 2 ** (bits - 1);
  for (let c = 0; c < p.n; c++) {
    for (let r = 0; r < p.k; r++) {
      const block = Math.floor(r / p.blockSize);
      const at = r % p.blockSize;
      const base = (c * p.kBlocks + block) * blob;
      const byte = p.packed[base + (bits === 8 ? at : at >> 1)] as number;
      const code = bits === 8 ? byte : at % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[r * p.n + c] = Math.fround((p.scales[c * p.kBlocks + block] as number) * (code - zero));
    }
  }
  return out;
}
