import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type GgufMetadata, gv } from './gguf-format.ts';
import { encodeGgufHeader } from './gguf-header.ts';
import { writeGgufFile } from './gguf-write.ts';

// The bytes the GGUF spec (ggml/docs/gguf.md) fixes, written out by hand — not read back by our
// own code: magic, version 3 as u32 LE, counts as u64 LE, each metadata value type id, string and
// array layouts, tensor infos (ne[0] first, ggml type id, offset), zero padding to the alignment.

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const dir = mkdtempSync(join(tmpdir(), 'gguf-header-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metadata: GgufMetadata = new Map([
  ['general.architecture', gv.str('gpt2')],
  ['general.alignment', gv.u32(32)],
  ['a.f', gv.f32(1)],
  ['a.b', gv.bool(true)],
  ['a.s', gv.strs(['x', 'yz'])],
  ['a.i', gv.nums('int32', [-1, 2])],
]);
const tensors = [
  { name: 't0', ne: [3, 2], type: 'F32' as const, values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { name: 't1', ne: [32], type: 'Q8_0' as const, values: Float32Array.from({ length: 32 }, (_, j) => (j === 0 ? -127 : 0)) },
];

// biome-ignore format: one field per line, as the spec lists them
const EXPECTED_HEADER = [
  0x47, 0x47, 0x55, 0x46,                           // magic "GGUF"
  3, 0, 0, 0,                                       // version 3 (u32 LE)
  2, 0, 0, 0, 0, 0, 0, 0,                           // tensor_count (u64 LE)
  6, 0, 0, 0, 0, 0, 0, 0,                           // metadata_kv_count (u64 LE)
  20, 0, 0, 0, 0, 0, 0, 0, ...ascii('general.architecture'),
  8, 0, 0, 0,                                       // GGUF_METADATA_VALUE_TYPE_STRING
  4, 0, 0, 0, 0, 0, 0, 0, ...ascii('gpt2'),
  17, 0, 0, 0, 0, 0, 0, 0, ...ascii('general.alignment'),
  4, 0, 0, 0,                                       // UINT32
  32, 0, 0, 0,
  3, 0, 0, 0, 0, 0, 0, 0, ...ascii('a.f'),
  6, 0, 0, 0,                                       // FLOAT32
  0x00, 0x00, 0x80, 0x3f,                           // 1.0f
  3, 0, 0, 0, 0, 0, 0, 0, ...ascii('a.b'),
  7, 0, 0, 0,                                       // BOOL
  1,                                                // true, one byte
  3, 0, 0, 0, 0, 0, 0, 0, ...ascii('a.s'),
  9, 0, 0, 0,                                       // ARRAY
  8, 0, 0, 0,                                       // of STRING
  2, 0, 0, 0, 0, 0, 0, 0,                           // 2 items (u64)
  1, 0, 0, 0, 0, 0, 0, 0, ...ascii('x'),
  2, 0, 0, 0, 0, 0, 0, 0, ...ascii('yz'),
  3, 0, 0, 0, 0, 0, 0, 0, ...ascii('a.i'),
  9, 0, 0, 0,                                       // ARRAY
  5, 0, 0, 0,                                       // of INT32
  2, 0, 0, 0, 0, 0, 0, 0,
  0xff, 0xff, 0xff, 0xff,                           // -1
  2, 0, 0, 0,
  // tensor infos
  2, 0, 0, 0, 0, 0, 0, 0, ...ascii('t0'),
  2, 0, 0, 0,                                       // n_dims
  3, 0, 0, 0, 0, 0, 0, 0,                           // ne[0] = 3 (contiguous)
  2, 0, 0, 0, 0, 0, 0, 0,                           // ne[1] = 2
  0, 0, 0, 0,                                       // GGML_TYPE_F32
  0, 0, 0, 0, 0, 0, 0, 0,                           // offset 0
  2, 0, 0, 0, 0, 0, 0, 0, ...ascii('t1'),
  1, 0, 0, 0,
  32, 0, 0, 0, 0, 0, 0, 0,
  8, 0, 0, 0,                                       // GGML_TYPE_Q8_0
  32, 0, 0, 0, 0, 0, 0, 0,                          // offset 32: t0's 24 bytes padded to the alignment
];

describe('GGUF header', () => {
  it('is byte for byte the spec layout, zero-padded to the alignment', () => {
    const header = encodeGgufHeader(metadata, tensors, 32);
    expect(EXPECTED_HEADER.length).toBe(293);
    expect(header.length).toBe(320); // 293 rounded up to a multiple of 32
    expect([...header.subarray(0, EXPECTED_HEADER.length)]).toEqual(EXPECTED_HEADER);
    expect([...header.subarray(EXPECTED_HEADER.length)]).toEqual(new Array(320 - 293).fill(0));
  });

  it('is followed by each tensor at its aligned offset', () => {
    const path = join(dir, 'small.gguf');
    const written = writeGgufFile(path, { metadata, tensors });
    const bytes = readFileSync(path);
    expect(written.bytes).toBe(bytes.length);
    expect(bytes.length).toBe(320 + 32 + 64); // header, t0 (24 + 8 padding), t1 (34 + 30 padding)
    // biome-ignore format: six float32 LE values
    const t0 = [0,0,0x80,0x3f, 0,0,0,0x40, 0,0,0x40,0x40, 0,0,0x80,0x40, 0,0,0xa0,0x40, 0,0,0xc0,0x40, 0,0,0,0,0,0,0,0];
    expect([...bytes.subarray(320, 352)]).toEqual(t0);
    // Q8_0 block: d = 127/127 = 1.0 as f16 (0x3c00), q[0] = -127 (0x81), the rest 0.
    expect([...bytes.subarray(352, 388)]).toEqual([0x00, 0x3c, 0x81, ...new Array(31).fill(0), 0, 0]);
  });

  it('refuses a quantized row that is not whole blocks', () => {
    expect(() => encodeGgufHeader(new Map(), [{ name: 'w', ne: [40, 2], type: 'Q4_0' }])).toThrow(/multiple of 32/);
  });
});
