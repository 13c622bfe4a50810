import { readFileSync } from 'node:fs';
import { PermanentError } from '@inferlab/experiments';

// safetensors: u64 little-endian header length N, N bytes of JSON
//   { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }
// then the raw little-endian tensors, offsets relative to the byte after the header.
// Tensors decode on demand, so a file may hold dtypes we never read (e.g. bool buffers).

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export type TensorInfo = { dtype: string; shape: number[]; begin: number; end: number };

export class SafetensorsError extends PermanentError {
  override readonly name = 'SafetensorsError';
}

const BYTES_PER: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const isFloatDtype = (d: string): d is SafetensorsDtype => Object.hasOwn(BYTES_PER, d);

/** IEEE half → float32 bits are exact in float32; table of all 65536 patterns, built once. */
let halfTable: Float32Array | undefined;
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) halfTable[h] = sign * mant * 2 ** -24;
    else if (exp === 31) halfTable[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else halfTable[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

export class SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Record<string, string>;
  readonly #data: DataView; // the byte buffer after the header

  constructor(bytes: Uint8Array) {
    if (bytes.byteLength < 8) throw new SafetensorsError(`${bytes.byteLength} bytes: too short for a header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLen = Number(view.getBigUint64(0, true));
    if (8 + headerLen > bytes.byteLength) throw new SafetensorsError(`header length ${headerLen} exceeds the file`);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    } catch (cause) {
      throw new SafetensorsError('header is not JSON', { cause });
    }
    const dataStart = 8 + headerLen;
    this.#data = new DataView(bytes.buffer, bytes.byteOffset + dataStart, bytes.byteLength - dataStart);
    const tensors = new Map<string, TensorInfo>();
    this.metadata = {};
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') {
        this.metadata = entry as Record<string, string>;
        continue;
      }
      tensors.set(name, this.#parseEntry(name, entry));
    }
    this.tensors = tensors;
  }

  #parseEntry(name: string, entry: unknown): TensorInfo {
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = e.data_offsets;
    const ok =
      typeof e.dtype === 'string' &&
      Array.isArray(e.shape) &&
      e.shape.every((d) => Number.isInteger(d) && d >= 0) &&
      Array.isArray(offsets) &&
      offsets.length === 2 &&
      Number.isInteger(offsets[0]) &&
      Number.isInteger(offsets[1]) &&
      0 <= offsets[0] &&
      offsets[0] <= offsets[1] &&
      offsets[1] <= this.#data.byteLength;
    if (!ok) throw new SafetensorsError(`tensor '${name}': malformed header entry ${JSON.stringify(entry)}`);
    return { dtype: e.dtype as string, shape: e.shape as number[], begin: offsets[0], end: offsets[1] };
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (t === undefined) throw new SafetensorsError(`no tensor '${name}'`);
    return t;
  }

  /** The tensor as float32 (F32 copied, F16 and BF16 widened exactly). */
  read(name: string): Float32Array {
    const { dtype, shape, begin, end } = this.info(name);
    if (!isFloatDtype(dtype)) throw new SafetensorsError(`tensor '${name}': dtype ${dtype} is not F32, F16 or BF16`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== n * BYTES_PER[dtype]) {
      throw new SafetensorsError(`tensor '${name}': ${end - begin} bytes for ${n} ${dtype} values`);
    }
    const out = new Float32Array(n);
    const v = this.#data;
    switch (dtype) {
      case 'F32':
        for (let i = 0; i < n; i++) out[i] = v.getFloat32(begin + 4 * i, true);
        break;
      case 'F16': {
        const table = halfToFloat();
        for (let i = 0; i < n; i++) out[i] = table[v.getUint16(begin + 2 * i, true)] as number;
        break;
      }
      case 'BF16': {
        // bfloat16 is the top half of a float32.
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) bits[i] = v.getUint16(begin + 2 * i, true) << 16;
        break;
      }
      default:
        assertNever(dtype);
    }
    return out;
  }
}

function assertNever(x: never): never {
  throw new SafetensorsError(`unhandled dtype ${String(x)}`);
}

export function readSafetensorsFile(path: string): SafetensorsFile {
  return new SafetensorsFile(readFileSync(path));
}
