import { writeFileSync } from 'node:fs';
import type { SafetensorsDtype } from './safetensors-read.ts';

// The inverse of SafetensorsFile, for tests and checkpoint export: float32 data is written as F32;
// other dtypes are given as raw little-endian bytes. The header is space-padded to 8 bytes, as
// the reference implementation does, so the data section starts aligned.

export type TensorToWrite = { shape: number[]; data: Float32Array } | { shape: number[]; dtype: SafetensorsDtype; bytes: Uint8Array };

export function encodeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata: Record<string, string> = { format: 'pt' },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = 'data' in t ? f32Bytes(t.data) : t.bytes;
    header[name] = { dtype: 'data' in t ? 'F32' : t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function f32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const v = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) v.setFloat32(4 * i, data[i] as number, true);
  return out;
}

export function writeSafetensorsFile(path: string, tensors: ReadonlyMap<string, TensorToWrite>): void {
  writeFileSync(path, encodeSafetensors(tensors));
}
