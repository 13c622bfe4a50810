import { DATA_TYPE_BYTES, DataType, type TensorProto } from './onnx-types.ts';
import { OnnxDecodeError, type ProtoReader, WIRE_LEN } from './proto-reader.ts';

// TensorProto decoding. raw_data stays a view of the file buffer; tensors that carry their values
// in the typed repeated fields (float_data, int32_data, int64_data, ... as some hub exports do)
// are converted to little-endian raw bytes so the rest of inferlab sees one representation.

const DATA_LOCATION_EXTERNAL = 1;

type Typed = {
  floats: number[];
  int32s: number[];
  /** int64_data / uint64_data as (lo, hi) pairs, exact for the full 64-bit range. */
  int64Parts: number[];
  uint64Parts: number[];
  doubles: number[];
};

function readPartsField(r: ProtoReader, wireType: number, into: number[]): void {
  const one = () => {
    const [lo, hi] = r.varintParts();
    into.push(lo, hi);
  };
  if (wireType !== WIRE_LEN) {
    one();
    return;
  }
  const sub = r.message();
  while (!sub.done) {
    const [lo, hi] = sub.varintParts();
    into.push(lo, hi);
  }
}

export function decodeTensor(r: ProtoReader): TensorProto {
  const t: TensorProto = { name: '', dataType: DataType.UNDEFINED, dims: [], rawData: new Uint8Array(0) };
  const typed: Typed = { floats: [], int32s: [], int64Parts: [], uint64Parts: [], doubles: [] };
  let hasRaw = false;
  while (!r.done) {
    const [no, wt] = r.tag();
    switch (no) {
      case 1:
        r.repeated(wt, () => r.varint(), t.dims);
        break;
      case 2:
        t.dataType = r.varint();
        break;
      case 4:
        r.repeated(wt, () => r.float(), typed.floats);
        break;
      case 5:
        r.repeated(wt, () => r.varint(), typed.int32s);
        break;
      case 7:
        readPartsField(r, wt, typed.int64Parts);
        break;
      case 8:
        t.name = r.string();
        break;
      case 9:
        t.rawData = r.bytes();
        hasRaw = true;
        break;
      case 10:
        r.repeated(wt, () => r.double(), typed.doubles);
        break;
      case 11:
        readPartsField(r, wt, typed.uint64Parts);
        break;
      case 14:
        if (r.varint() === DATA_LOCATION_EXTERNAL) {
          throw new OnnxDecodeError(`tensor uses external data, which is not supported`);
        }
        break;
      default:
        r.skip(wt);
    }
  }
  if (!hasRaw) t.rawData = typedToRaw(t, typed);
  return t;
}

function typedToRaw(t: TensorProto, typed: Typed): Uint8Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  const width = DATA_TYPE_BYTES[t.dataType];
  if (width === undefined) {
    throw new OnnxDecodeError(`tensor '${t.name}': data type ${t.dataType} has no raw form here`);
  }
  const out = new Uint8Array(count * width);
  const dv = new DataView(out.buffer);
  const need = (n: number, field: string) => {
    if (n !== count) throw new OnnxDecodeError(`tensor '${t.name}': ${field} has ${n} values, dims say ${count}`);
  };
  if (count === 0) return out;
  switch (t.dataType) {
    case DataType.FLOAT:
      need(typed.floats.length, 'float_data');
      for (const [i, v] of typed.floats.entries()) dv.setFloat32(i * 4, v, true);
      break;
    case DataType.DOUBLE:
      need(typed.doubles.length, 'double_data');
      for (const [i, v] of typed.doubles.entries()) dv.setFloat64(i * 8, v, true);
      break;
    case DataType.INT64:
    case DataType.UINT64: {
      const parts = t.dataType === DataType.INT64 ? typed.int64Parts : typed.uint64Parts;
      need(parts.length / 2, t.dataType === DataType.INT64 ? 'int64_data' : 'uint64_data');
      for (let i = 0; i < count; i++) {
        dv.setUint32(i * 8, parts[2 * i] ?? 0, true);
        dv.setUint32(i * 8 + 4, parts[2 * i + 1] ?? 0, true);
      }
      break;
    }
    case DataType.UINT32:
      need(typed.uint64Parts.length / 2, 'uint64_data');
      for (let i = 0; i < count; i++) dv.setUint32(i * 4, typed.uint64Parts[2 * i] ?? 0, true);
      break;
    default:
      // int32_data carries INT32 and every narrower type (FLOAT16 as its bit pattern).
      need(typed.int32s.length, 'int32_data');
      typed.int32s.forEach((v, i) => {
        if (width === 4) dv.setInt32(i * 4, v, true);
        else if (width === 2) dv.setUint16(i * 2, v & 0xffff, true);
        else dv.setUint8(i, v & 0xff);
      });
  }
  return out;
}
