import { PermanentError } from '@inferlab/experiments';
import { readVarint, readVarintParts } from './varint.ts';

// A cursor over protobuf wire bytes. Length-delimited fields come back as subarray views of the
// input (no copies), which is what keeps decoding a 500 MB model cheap.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class OnnxDecodeError extends PermanentError {
  override readonly name = 'OnnxDecodeError';
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.byteLength,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a field key; returns [field number, wire type]. */
  tag(): [fieldNo: number, wireType: number] {
    const key = this.varint();
    return [Math.floor(key / 8), key & 7];
  }

  varint(): number {
    const [v, next] = readVarint(this.buf, this.pos);
    this.pos = this.check(next);
    return v;
  }

  /** A varint as unsigned 32-bit halves, exact for the whole int64 range. */
  varintParts(): [lo: number, hi: number] {
    const [lo, hi, next] = readVarintParts(this.buf, this.pos);
    this.pos = this.check(next);
    return [lo, hi];
  }

  float(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos = this.check(this.pos + 4);
    return v;
  }

  double(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos = this.check(this.pos + 8);
    return v;
  }

  /** A length-delimited payload as a view into the input. */
  bytes(): Uint8Array {
    const len = this.varint();
    const start = this.pos;
    this.pos = this.check(start + len);
    return this.buf.subarray(start, start + len);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** A reader over an embedded message. */
  message(): ProtoReader {
    const len = this.varint();
    const start = this.pos;
    this.pos = this.check(start + len);
    return new ProtoReader(this.buf, start, start + len);
  }

  /** Reads a repeated scalar that may be packed (LEN) or unpacked (one value). */
  repeated(wireType: number, readOne: () => number, into: number[]): void {
    if (wireType !== WIRE_LEN) {
      into.push(readOne());
      return;
    }
    const len = this.varint();
    const stop = this.check(this.pos + len);
    while (this.pos < stop) into.push(readOne());
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.pos = this.check(this.pos + 8);
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.pos = this.check(this.pos + 4);
        return;
      default:
        throw new OnnxDecodeError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    }
  }

  private check(next: number): number {
    if (next > this.end) throw new OnnxDecodeError(`field runs past end of message (${next} > ${this.end})`);
    return next;
  }
}
