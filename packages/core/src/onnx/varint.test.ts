import { describe, expect, it } from 'vitest';
import { joinInt64, readVarint, splitInt64, VarintError, varintSize, writeVarint } from './varint.ts';

const encode = (v: number) => {
  const buf = new Uint8Array(10);
  return Array.from(buf.subarray(0, writeVarint(buf, 0, v)));
};

describe('varint', () => {
  it('encodes known values byte for byte (protobuf spec examples)', () => {
    expect(encode(0)).toEqual([0x00]);
    expect(encode(1)).toEqual([0x01]);
    expect(encode(127)).toEqual([0x7f]);
    expect(encode(128)).toEqual([0x80, 0x01]);
    expect(encode(150)).toEqual([0x96, 0x01]);
    expect(encode(300)).toEqual([0xac, 0x02]);
    expect(encode(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    // int64 negatives are 10-byte two's complement
    expect(encode(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(encode(-2)).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('round-trips edge values and reports their size', () => {
    const values = [
      0,
      1,
      127,
      128,
      16383,
      16384,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 35,
      2 ** 49,
      2 ** 53 - 1,
      -1,
      -127,
      -128,
      -(2 ** 31),
      -(2 ** 32),
      -(2 ** 53 - 1),
    ];
    for (const v of values) {
      const bytes = encode(v);
      expect(bytes.length, `size of ${v}`).toBe(varintSize(v));
      expect(readVarint(Uint8Array.from(bytes), 0), `value ${v}`).toEqual([v, bytes.length]);
    }
    expect(varintSize(2 ** 53 - 1)).toBe(8);
    expect(varintSize(-1)).toBe(10);
  });

  it('saturates beyond the int64 range instead of wrapping', () => {
    const max = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]); // INT64_MAX
    expect(encode(2 ** 63)).toEqual(Array.from(max));
    expect(encode(readVarint(max, 0)[0])).toEqual(Array.from(max)); // INT64_MAX survives a round trip
    expect(splitInt64(-(2 ** 64))).toEqual([0, 0x80000000]);
    expect(joinInt64(0, 0x80000000)).toBe(-(2 ** 63));
  });

  it('reads at an offset and rejects truncated or overlong input', () => {
    expect(readVarint(Uint8Array.from([0xaa, 0xac, 0x02]), 1)).toEqual([300, 3]);
    expect(() => readVarint(Uint8Array.from([0x80, 0x80]), 0)).toThrow(VarintError);
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0)).toThrow(VarintError);
    expect(() => encode(Number.NaN)).toThrow(RangeError);
  });
});
