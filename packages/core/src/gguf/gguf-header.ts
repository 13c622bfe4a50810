import {
  alignUp,
  GGML_TYPES,
  GGUF_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE,
  GGUF_VERSION,
  type GgmlType,
  type GgufMetadata,
  type GgufScalarType,
  type GgufValue,
  ggmlTensorBytes,
} from './gguf-format.ts';

// The bytes before the tensor data: header, metadata, tensor infos, padding to the alignment.

/** A tensor as the header describes it; `ne` in ggml order (ne[0] contiguous). */
export type GgufTensorInfo = { name: string; ne: readonly number[]; type: GgmlType };

/** Growable little-endian byte sink. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length++, v);
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  scalar(type: GgufScalarType, v: number | bigint | boolean | string): void {
    const sizes = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8, uint64: 8, int64: 8, bool: 1 };
    if (type === 'string') {
      this.string(v as string);
      return;
    }
    this.reserve(sizes[type]);
    const at = this.length;
    const dv = this.view;
    // biome-ignore format: one line per type reads as a table
    switch (type) {
      case 'uint8': dv.setUint8(at, v as number); break;
      case 'int8': dv.setInt8(at, v as number); break;
      case 'uint16': dv.setUint16(at, v as number, true); break;
      case 'int16': dv.setInt16(at, v as number, true); break;
      case 'uint32': dv.setUint32(at, v as number, true); break;
      case 'int32': dv.setInt32(at, v as number, true); break;
      case 'float32': dv.setFloat32(at, v as number, true); break;
      case 'float64': dv.setFloat64(at, v as number, true); break;
      case 'uint64': dv.setBigUint64(at, v as bigint, true); break;
      case 'int64': dv.setBigInt64(at, v as bigint, true); break;
      case 'bool': dv.setUint8(at, v ? 1 : 0); break;
    }
    this.length += sizes[type];
  }
  string(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.u64(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  padTo(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  w.u32(GGUF_VALUE_TYPE[v.type]);
  if (v.type !== 'array') {
    w.scalar(v.type, v.value);
    return;
  }
  w.u32(GGUF_VALUE_TYPE[v.itemType]);
  w.u64(v.values.length);
  for (const item of v.values) w.scalar(v.itemType, item);
}

/** Data offset of each tensor (relative to the data section) and the section's padded size. */
export function tensorOffsets(tensors: readonly GgufTensorInfo[], alignment: number): { offsets: number[]; dataBytes: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const t of tensors) {
    offsets.push(at);
    at = alignUp(at + ggmlTensorBytes(t.type, t.ne), alignment);
  }
  return { offsets, dataBytes: at };
}

/** Header + metadata + tensor infos, zero-padded to `alignment`: the data section starts right after. */
export function encodeGgufHeader(metadata: GgufMetadata, tensors: readonly GgufTensorInfo[], alignment = GGUF_ALIGNMENT): Uint8Array {
  const w = new ByteWriter();
  for (const c of GGUF_MAGIC) w.u8(c.charCodeAt(0));
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  const { offsets } = tensorOffsets(tensors, alignment);
  tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(GGML_TYPES[t.type].id);
    w.u64(offsets[i] as number);
  });
  w.padTo(alignment);
  return w.bytes();
}
