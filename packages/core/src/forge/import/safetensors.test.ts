import { describe, expect, it } from 'vitest';
import { SafetensorsError, SafetensorsFile } from './safetensors-read.ts';
import { encodeSafetensors, type TensorToWrite } from './safetensors-write.ts';

const u16le = (values: number[]) => {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setUint16(2 * i, v, true);
  return out;
};

/** A file with a hand-written header, so the reader is checked against the format, not the writer. */
function rawFile(header: object, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

describe('safetensors', () => {
  it('round-trips F32 tensors of any rank, with an 8-byte aligned data section', () => {
    const tensors = new Map<string, TensorToWrite>([
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2.5, 3e-8, 1e30, -0, Math.PI]) }],
      ['scalar', { shape: [], data: Float32Array.from([7]) }],
      ['empty', { shape: [0, 4], data: new Float32Array(0) }],
    ]);
    const bytes = encodeSafetensors(tensors);
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const file = new SafetensorsFile(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['a.weight', 'scalar', 'empty']);
    expect(file.info('a.weight')).toMatchObject({ dtype: 'F32', shape: [2, 3] });
    for (const [name, t] of tensors) expect(file.read(name)).toEqual((t as { data: Float32Array }).data);
  });

  it('widens F16 and BF16 exactly (expected values checked with numpy .view(float16) and <<16 .view(float32))', () => {
    const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555];
    const bf16 = [0x3f80, 0xc000, 0x4049, 0x0001, 0x7f80];
    const file = new SafetensorsFile(
      encodeSafetensors(
        new Map<string, TensorToWrite>([
          ['h', { shape: [8], dtype: 'F16', bytes: u16le(f16) }],
          ['b', { shape: [5], dtype: 'BF16', bytes: u16le(bf16) }],
        ]),
      ),
    );
    expect(Array.from(file.read('h'))).toEqual([1, -2, 0.5, 65504, 2 ** -24, -0, Infinity, 0.333251953125]);
    expect(Array.from(file.read('b'))).toEqual([1, -2, 3.140625, 2 ** -133, Infinity]);
  });

  it('reads a hand-written file and refuses only the tensors it cannot widen', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 0.25, true);
    new DataView(data.buffer).setFloat32(4, -4, true);
    const file = new SafetensorsFile(
      rawFile(
        {
          x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          mask: { dtype: 'BOOL', shape: [4], data_offsets: [8, 12] },
        },
        data,
      ),
    );
    expect(Array.from(file.read('x'))).toEqual([0.25, -4]);
    expect(() => file.read('mask')).toThrow(SafetensorsError);
    expect(() => file.read('missing')).toThrow(SafetensorsError);
  });

  it('rejects truncated and inconsistent files', () => {
    expect(() => new SafetensorsFile(new Uint8Array(4))).toThrow(SafetensorsError);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1000n, true);
    expect(() => new SafetensorsFile(huge)).toThrow(SafetensorsError);
    const past = rawFile({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8));
    expect(() => new SafetensorsFile(past)).toThrow(SafetensorsError);
    const short = new SafetensorsFile(rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)));
    expect(() => short.read('x')).toThrow(SafetensorsError);
  });
});
