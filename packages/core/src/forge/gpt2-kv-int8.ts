import { attr, DataType, type Dim, type GraphBuilder } from '../onnx/index.ts';
import {
  freshKeyName,
  freshKeyScaleName,
  freshValueName,
  freshValueScaleName,
  pastKeyName,
  pastKeyScaleName,
  pastValueName,
  pastValueScaleName,
  presentKeyName,
  presentKeyScaleName,
  presentValueName,
  presentValueScaleName,
} from '../runtime/io-names.ts';
import type { InPlaceKvStore, KvStore } from './gpt2-attention.ts';

// The int8 KV cache of the forge GPT-2 graph (the fp32 path stays untouched in gpt2-attention.ts).
// Each layer's keys and values are stored int8 (B, H, T, hd) with one float32 scale per
// (batch, head, token), (B, H, T, 1), symmetric over head_dim:
//   scale = max|x| / 127,  q = clip(round_half_even(x / scale), −127, 127),  x̂ = q · scale.
// A zero row has scale 0: it is divided by 1 instead (q = 0), so x̂ = 0 and nothing is NaN.
// The new tokens' keys/values are quantized here, appended to the int8 past, and the whole present
// is dequantized for the attention — so even the prompt's own attention reads quantized keys, and
// one forward over T tokens equals T single steps (each token's codes depend on that token only).

export const KV_INT8_MAX = 127;

/** (B, H, len, hd) → the scales' (B, H, len, 1). */
const scaleShape = (codes: Dim[]): Dim[] => [...codes.slice(0, -1), 1];

/** Graph inputs of layer `layer`'s int8 cache: codes `shape` (B, H, past, hd) int8, scales (B, H, past, 1). */
export function addKvInt8Inputs(g: GraphBuilder, layer: number, shape: Dim[]): void {
  g.input(pastKeyName(layer), DataType.INT8, shape);
  g.input(pastKeyScaleName(layer), DataType.FLOAT, scaleShape(shape));
  g.input(pastValueName(layer), DataType.INT8, shape);
  g.input(pastValueScaleName(layer), DataType.FLOAT, scaleShape(shape));
}

const OUTPUT_NAMES = {
  present: [presentKeyName, presentKeyScaleName, presentValueName, presentValueScaleName],
  fresh: [freshKeyName, freshKeyScaleName, freshValueName, freshValueScaleName],
} as const;

/**
 * Graph outputs of layer `layer`'s int8 cache, codes `shape` int8 and their scales: the present
 * (B, H, total, hd) of the concat graph, or this step's rows (B, H, S, hd) of the in-place one.
 */
export function addKvInt8Outputs(g: GraphBuilder, layer: number, shape: Dim[], kind: keyof typeof OUTPUT_NAMES = 'present'): void {
  const [key, keyScale, value, valueScale] = OUTPUT_NAMES[kind];
  g.output(key(layer), DataType.INT8, shape);
  g.output(keyScale(layer), DataType.FLOAT, scaleShape(shape));
  g.output(value(layer), DataType.INT8, shape);
  g.output(valueScale(layer), DataType.FLOAT, scaleShape(shape));
}

/** The KvStore of layer `layer`: quantize the new rows, append to the int8 past, dequantize all. */
export function kvInt8Store(layer: number): KvStore {
  return (g, kind, fresh) => {
    const key = kind === 'key';
    const past = key ? pastKeyName(layer) : pastValueName(layer);
    const pastScale = key ? pastKeyScaleName(layer) : pastValueScaleName(layer);
    const present = key ? presentKeyName(layer) : presentValueName(layer);
    const presentScale = key ? presentKeyScaleName(layer) : presentValueScaleName(layer);

    const { codes, scale } = quantizeRows(g, fresh);
    g.node('Concat', [past, codes], [present], { axis: attr.int(2) }); // (B, H, T, hd) int8
    g.node('Concat', [pastScale, scale], [presentScale], { axis: attr.int(2) }); // (B, H, T, 1)
    return g.op('Mul', [g.op('Cast', [present], { to: attr.int(DataType.FLOAT) }), presentScale]); // (B, H, T, hd)
  };
}

/** fresh (B, H, S, hd) → int8 codes (B, H, S, hd) and scales (B, H, S, 1), symmetric per row over head_dim. */
function quantizeRows(g: GraphBuilder, fresh: string): { codes: string; scale: string } {
  const absMax = g.op('ReduceMax', [g.op('Abs', [fresh])], { axes: attr.ints([-1]), keepdims: attr.int(1) }); // (B, H, S, 1)
  const scale = g.op('Div', [absMax, g.float32('kv_q_max', [KV_INT8_MAX])]); // (B, H, S, 1)
  const zero = g.op('Equal', [scale, g.float32('kv_zero', [0])]);
  const divisor = g.op('Where', [zero, g.float32('kv_one', [1]), scale]); // 1 where the row is all zeros
  const rounded = g.op('Round', [g.op('Div', [fresh, divisor])]); // (B, H, S, hd), half to even
  const clipped = g.op('Clip', [rounded, g.float32('kv_q_lo', [-KV_INT8_MAX]), g.float32('kv_q_hi', [KV_INT8_MAX])]);
  const codes = g.op('Cast', [clipped], { to: attr.int(DataType.INT8) }); // (B, H, S, hd) int8
  return { codes, scale };
}

/**
 * The in-place store of layer `layer`: quantize the new rows (returned as fresh.* for the caller to
 * append to its buffers), and let the attention read the dequantized past buffer and the
 * dequantized new rows — what the concat graph's dequantized present holds, without the Concat.
 */
export function kvInt8InPlaceStore(layer: number): InPlaceKvStore {
  return (g, kind, fresh) => {
    const key = kind === 'key';
    const past = key ? pastKeyName(layer) : pastValueName(layer); // (B, H, C, hd) int8
    const pastScale = key ? pastKeyScaleName(layer) : pastValueScaleName(layer); // (B, H, C, 1)
    const { codes, scale } = quantizeRows(g, fresh);
    g.node('Identity', [codes], [key ? freshKeyName(layer) : freshValueName(layer)]);
    g.node('Identity', [scale], [key ? freshKeyScaleName(layer) : freshValueScaleName(layer)]);
    const dequantize = (c: string, s: string) => g.op('Mul', [g.op('Cast', [c], { to: attr.int(DataType.FLOAT) }), s]);
    return { past: dequantize(past, pastScale), fresh: dequantize(codes, scale) };
  };
}
