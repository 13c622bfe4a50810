import { PermanentError } from '@inferlab/experiments';

// The GGUF v3 container as llama.cpp's ggml/docs/gguf.md fixes it. Everything is little-endian:
//   magic "GGUF" (4 bytes) · version u32 · tensor_count u64 · metadata_kv_count u64
//   kv*: key (string) · value_type u32 · value
//   tensor_info*: name (string) · n_dims u32 · ne u64[n_dims] (ne[0] fastest) · ggml_type u32 · offset u64
//   padding to general.alignment · tensor data, each tensor at a multiple of the alignment.
// A string is a u64 byte length and UTF-8 bytes, no terminator.

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
/** general.alignment's default; we write it explicitly too. */
export const GGUF_ALIGNMENT = 32;

/** gguf_metadata_value_type. */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

export type GgufNumberType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';
export type GgufScalarType = GgufNumberType | 'uint64' | 'int64' | 'bool' | 'string';

export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: 'uint64' | 'int64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: GgufNumberType; values: readonly number[] }
  | { type: 'array'; itemType: 'string'; values: readonly string[] };

/** Insertion order is file order. */
export type GgufMetadata = Map<string, GgufValue>;

export const gv = {
  u32: (value: number): GgufValue => ({ type: 'uint32', value }),
  i32: (value: number): GgufValue => ({ type: 'int32', value }),
  f32: (value: number): GgufValue => ({ type: 'float32', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  strs: (values: readonly string[]): GgufValue => ({ type: 'array', itemType: 'string', values }),
  nums: (itemType: GgufNumberType, values: readonly number[]): GgufValue => ({ type: 'array', itemType, values }),
};

/** ggml_type ids and block layouts of the tensor types we write. */
export const GGML_TYPES = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  /** f16 scale d + 16 bytes of 4-bit q: x = (q − 8)·d; byte j holds element j (low nibble) and j+16 (high). */
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
  /** f16 scale d + 32 int8 q: x = q·d. */
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 },
  /** Super-block of 256: f16 d, f16 dmin, 12 bytes of 6-bit (scale, min) per 32, 128 bytes of 4-bit q: x = d·sc·q − dmin·m. */
  Q4_K: { id: 12, blockSize: 256, blockBytes: 144 },
  /** As Q4_K plus 32 bytes of fifth bits (qh) before the 4-bit q: q in 0..31. */
  Q5_K: { id: 13, blockSize: 256, blockBytes: 176 },
  /** 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales (one per 16), f16 d last: x = d·sc·(q − 32). */
  Q6_K: { id: 14, blockSize: 256, blockBytes: 210 },
} as const;

export type GgmlType = keyof typeof GGML_TYPES;

/** What a whole file is written as: one tensor type, or Q4_K_M, llama.cpp's mix of Q4_K, Q5_K and Q6_K (gguf-k-mix.ts). */
export const GGUF_FILE_TYPES = ['F32', 'F16', 'Q8_0', 'Q4_0', 'Q4_K_M'] as const;
export type GgufFileType = (typeof GGUF_FILE_TYPES)[number];

/** llama_ftype (general.file_type): what most weights are. */
export const LLAMA_FILE_TYPE: Record<GgufFileType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, Q4_K_M: 15 };

/** A folder that cannot be written as GGUF (architecture, names, shapes, tokenizer): permanent. */
export class GgufError extends PermanentError {
  override readonly name = 'GgufError';
}

/** Bytes of a tensor of `type` with ggml dims `ne` (ne[0] contiguous, a multiple of the block size). */
export function ggmlTensorBytes(type: GgmlType, ne: readonly number[]): number {
  const t = GGML_TYPES[type];
  const ne0 = ne[0] ?? 1;
  if (ne0 % t.blockSize !== 0) throw new GgufError(`${type} needs ne[0] a multiple of ${t.blockSize}, got ${ne0}`);
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  return (ne0 / t.blockSize) * t.blockBytes * rows;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
