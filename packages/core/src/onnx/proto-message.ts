import type { ProtoSink } from './proto-sink.ts';
import { varintSize, writeVarint } from './varint.ts';

// A protobuf message laid out as a list of fields before any byte is written. Sizes are computed
// bottom-up (and cached), so every length prefix is known up front: no back-patching, and the
// whole model can be written in one pass into a preallocated buffer or a file stream.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

type Field =
  | { kind: 'varint'; tag: number; value: number }
  | { kind: 'fixed32'; tag: number; value: number }
  | { kind: 'bytes'; tag: number; data: Uint8Array }
  | { kind: 'message'; tag: number; message: ProtoMessage };

const utf8 = new TextEncoder();

export class ProtoMessage {
  private readonly fields: Field[] = [];
  private size = -1;

  varint(fieldNo: number, value: number): this {
    return this.push({ kind: 'varint', tag: (fieldNo << 3) | WIRE_VARINT, value });
  }

  float(fieldNo: number, value: number): this {
    return this.push({ kind: 'fixed32', tag: (fieldNo << 3) | WIRE_FIXED32, value });
  }

  bytes(fieldNo: number, data: Uint8Array): this {
    return this.push({ kind: 'bytes', tag: (fieldNo << 3) | WIRE_LEN, data });
  }

  string(fieldNo: number, value: string): this {
    return this.bytes(fieldNo, utf8.encode(value));
  }

  message(fieldNo: number, message: ProtoMessage): this {
    return this.push({ kind: 'message', tag: (fieldNo << 3) | WIRE_LEN, message });
  }

  /** Encoded size in bytes, without this message's own tag and length prefix. */
  get byteLength(): number {
    if (this.size >= 0) return this.size;
    let n = 0;
    for (const f of this.fields) {
      n += varintSize(f.tag);
      switch (f.kind) {
        case 'varint':
          n += varintSize(f.value);
          break;
        case 'fixed32':
          n += 4;
          break;
        case 'bytes':
          n += varintSize(f.data.byteLength) + f.data.byteLength;
          break;
        case 'message': {
          const len = f.message.byteLength;
          n += varintSize(len) + len;
          break;
        }
      }
    }
    this.size = n;
    return n;
  }

  /** Writes the message body (fields only) to the sink. */
  writeTo(sink: ProtoSink): void {
    // Tags, varints and small payloads are staged in a scratch buffer; big bytes pass through.
    const scratch = new Uint8Array(4096);
    let pos = 0;
    const flush = () => {
      if (pos > 0) sink.write(scratch.subarray(0, pos));
      pos = 0;
    };
    const floatView = new DataView(scratch.buffer);
    for (const f of this.fields) {
      if (pos > scratch.byteLength - 32) flush();
      pos = writeVarint(scratch, pos, f.tag);
      switch (f.kind) {
        case 'varint':
          pos = writeVarint(scratch, pos, f.value);
          break;
        case 'fixed32':
          floatView.setFloat32(pos, f.value, true);
          pos += 4;
          break;
        case 'bytes':
          pos = writeVarint(scratch, pos, f.data.byteLength);
          if (f.data.byteLength <= scratch.byteLength - pos) {
            scratch.set(f.data, pos);
            pos += f.data.byteLength;
          } else {
            flush();
            sink.write(f.data);
          }
          break;
        case 'message':
          pos = writeVarint(scratch, pos, f.message.byteLength);
          flush();
          f.message.writeTo(sink);
          break;
      }
    }
    flush();
  }

  private push(field: Field): this {
    this.fields.push(field);
    this.size = -1;
    return this;
  }
}
