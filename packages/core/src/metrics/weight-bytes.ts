import { basename } from 'node:path';
import { PermanentError, type WeightBytes } from '@inferlab/experiments';
import { type GraphProto, type ModelProto, readModelFile, type TensorProto } from '../onnx/index.ts';
import { fileSha256 } from './model-files.ts';
import { qualityCachePath, readQualityCache, writeQualityCache } from './quality-cache.ts';

// "Weight bytes by dtype" (docs/metrics.md Memory): the payload of every initializer (and Constant
// node tensor) of a model file, summed by element type, in every graph including `If` branches.
// The one case where the stored type is not the element type: MatMulNBits' B input is a uint8
// blob of packed `bits`-bit codes (N, kBlocks, blob), reported as `uint4` for bits 4 (two codes a
// byte; the tied embedding's Gather reads the same initializer, counted once).

/** Element type → bytes; keys: float32 | float16 | bfloat16 | float64 | int8 | uint8 | int4 | uint4 | int16 | … */

const TYPE_NAMES: Record<number, { name: string; bits: number }> = {
  1: { name: 'float32', bits: 32 },
  2: { name: 'uint8', bits: 8 },
  3: { name: 'int8', bits: 8 },
  4: { name: 'uint16', bits: 16 },
  5: { name: 'int16', bits: 16 },
  6: { name: 'int32', bits: 32 },
  7: { name: 'int64', bits: 64 },
  9: { name: 'bool', bits: 8 },
  10: { name: 'float16', bits: 16 },
  11: { name: 'float64', bits: 64 },
  12: { name: 'uint32', bits: 32 },
  13: { name: 'uint64', bits: 64 },
  16: { name: 'bfloat16', bits: 16 },
  21: { name: 'uint4', bits: 4 },
  22: { name: 'int4', bits: 4 },
};

export class WeightBytesError extends PermanentError {
  override name = 'WeightBytesError';
}

function* graphsOf(graph: GraphProto): Generator<GraphProto> {
  yield graph;
  for (const n of graph.nodes)
    for (const a of n.attributes) for (const g of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) yield* graphsOf(g);
}

/** Sums a model's stored tensors by element type (dims × element size, so external data counts too). */
export function weightBytesByDtype(model: ModelProto): WeightBytes {
  const graphs = [...graphsOf(model.graph)];
  // Initializer name → its packed code width, for MatMulNBits' B input.
  const packedBits = new Map<string, number>();
  for (const g of graphs) {
    for (const n of g.nodes) {
      const b = n.inputs[1];
      if (n.opType !== 'MatMulNBits' || b === undefined) continue;
      packedBits.set(b, Number(n.attributes.find((a) => a.name === 'bits')?.i ?? 4));
    }
  }
  const out: WeightBytes = {};
  const add = (t: TensorProto, packed: number | undefined) => {
    const type = TYPE_NAMES[t.dataType];
    if (type === undefined) throw new WeightBytesError(`tensor '${t.name}' has ONNX data type ${t.dataType}, which has no fixed size`);
    const elements = t.dims.reduce((a, b) => a * b, 1);
    const bytes = Math.ceil((elements * type.bits) / 8);
    // A packed blob is uint8 storage of narrower codes: name it by the code width.
    const name = packed !== undefined && packed < 8 && t.dataType === 2 ? `uint${packed}` : type.name;
    out[name] = (out[name] ?? 0) + bytes;
  };
  for (const g of graphs) {
    for (const t of g.initializers) add(t, packedBits.get(t.name));
    for (const n of g.nodes) {
      const value = n.opType === 'Constant' ? n.attributes.find((a) => a.name === 'value')?.t : undefined;
      if (value !== undefined) add(value, packedBits.get(n.outputs[0] ?? ''));
    }
  }
  return out;
}

const memo = new Map<string, WeightBytes>();
const CACHE_VERSION = 'weight-bytes-1';

/**
 * Weight bytes by dtype of one model file, computed once per file content: memoized by sha256 in
 * the process and cached as `<folder>/quality/weight-bytes-<file stem>.json` keyed by it (decoding
 * gpt2-small's 500 MB takes a second or two; a read-only folder just means no disk cache).
 */
export async function fileWeightBytes(model: { folder: string; file: string }): Promise<WeightBytes> {
  const sha256 = await fileSha256(model.file);
  const known = memo.get(sha256);
  if (known !== undefined) return known;
  const key = `${CACHE_VERSION}|${sha256}`;
  const path = qualityCachePath(model.folder, `weight-bytes-${basename(model.file, '.onnx')}`);
  let value = readQualityCache<WeightBytes>(path, key);
  if (value === null) {
    value = weightBytesByDtype(readModelFile(model.file));
    writeQualityCache(path, key, value);
  }
  memo.set(sha256, value);
  return value;
}
