import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { GGUF_ALIGNMENT, GgufError, type GgufMetadata, ggmlTensorBytes } from './gguf-format.ts';
import { encodeGgufHeader, type GgufTensorInfo, tensorOffsets } from './gguf-header.ts';
import { encodeTensorData } from './gguf-quantize.ts';

/** A tensor to write: float32 values with ne[0] contiguous (a row-major (…, rows, cols) array has ne = [cols, rows, …]). */
export type GgufTensor = GgufTensorInfo & { values: Float32Array };

export type GgufContent = { metadata: GgufMetadata; tensors: readonly GgufTensor[] };

export function alignmentOf(metadata: GgufMetadata): number {
  const v = metadata.get('general.alignment');
  if (v === undefined) return GGUF_ALIGNMENT;
  if (v.type !== 'uint32' || v.value <= 0 || v.value % 8 !== 0) throw new GgufError('general.alignment must be a uint32 multiple of 8');
  return v.value;
}

/** Writes the file at `path` (tensor by tensor: one encoded tensor in memory at a time); its size and sha256. */
export function writeGgufFile(path: string, content: GgufContent): { bytes: number; sha256: string } {
  const alignment = alignmentOf(content.metadata);
  for (const t of content.tensors) {
    const count = t.ne.reduce((a, b) => a * b, 1);
    if (count !== t.values.length) throw new GgufError(`tensor ${t.name}: ne [${t.ne}] holds ${count} values, got ${t.values.length}`);
  }
  const header = encodeGgufHeader(content.metadata, content.tensors, alignment);
  const { dataBytes } = tensorOffsets(content.tensors, alignment);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  let written = 0;
  const put = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    hash.update(bytes);
    written += bytes.length;
  };
  try {
    put(header);
    for (const t of content.tensors) {
      const data = encodeTensorData(t.type, t.values);
      if (data.length !== ggmlTensorBytes(t.type, t.ne)) throw new GgufError(`tensor ${t.name}: encoded ${data.length} bytes`);
      put(data);
      const pad = (alignment - (data.length % alignment)) % alignment;
      if (pad > 0) put(new Uint8Array(pad));
    }
  } finally {
    closeSync(fd);
  }
  if (written !== header.length + dataBytes) throw new GgufError(`wrote ${written} bytes, expected ${header.length + dataBytes}`);
  return { bytes: written, sha256: hash.digest('hex') };
}
