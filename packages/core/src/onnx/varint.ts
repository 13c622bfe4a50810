import { PermanentError } from '@inferlab/experiments';

// Protobuf base-128 varints for int64 values held as JS numbers.
// Values are split into two 32-bit halves so negatives encode as 10-byte two's complement,
// like protobuf's int64. Exact for |v| < 2^53; beyond that the double saturates to INT64_MIN/MAX.

const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;

/** Splits an int64 held in a double into unsigned 32-bit halves (two's complement). */
export function splitInt64(value: number): [lo: number, hi: number] {
  if (!Number.isFinite(value)) throw new RangeError(`varint value must be finite, got ${value}`);
  if (value >= TWO_63) return [0xffffffff, 0x7fffffff];
  if (value < -TWO_63) return [0, 0x80000000];
  const v = Math.trunc(value);
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  return [lo >>> 0, hi >>> 0];
}

/** Joins two 32-bit halves into a double, hi read as signed (int64 semantics). */
export function joinInt64(lo: number, hi: number): number {
  return (hi | 0) * TWO_32 + (lo >>> 0);
}

/** Number of bytes the varint encoding of `value` takes (1..10). */
export function varintSize(value: number): number {
  if (value >= 0 && value < 128) return 1;
  let [lo, hi] = splitInt64(value);
  let n = 1;
  while (hi !== 0 || lo > 127) {
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
    n++;
  }
  return n;
}

/** Writes `value` as a varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if (value >= 0 && value < 128) {
    buf[pos] = value;
    return pos + 1;
  }
  let [lo, hi] = splitInt64(value);
  while (hi !== 0 || lo > 127) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  buf[pos++] = lo;
  return pos;
}

export class VarintError extends PermanentError {
  override readonly name = 'VarintError';
}

/** Reads a varint at `pos` as two unsigned 32-bit halves; returns [lo, hi, next position]. */
export function readVarintParts(buf: Uint8Array, pos: number): [lo: number, hi: number, next: number] {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new VarintError(`truncated varint at byte ${pos}`);
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if (b < 0x80) return [lo >>> 0, hi >>> 0, pos + i + 1];
  }
  throw new VarintError(`varint longer than 10 bytes at byte ${pos}`);
}

/** Reads a varint at `pos` as an int64 in a double; returns [value, next position]. */
export function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  const b = buf[pos];
  if (b !== undefined && b < 0x80) return [b, pos + 1];
  const [lo, hi, next] = readVarintParts(buf, pos);
  return [joinInt64(lo, hi), next];
}
