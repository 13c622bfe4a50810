// Prints how a decoder graph reads its KV cache: for one layer's Concat(past, new) of key and value,
// the op chains from the Concat to the MatMuls (or graph outputs) that read it, where each Shape of
// it goes, and for each Expand/Reshape/Slice/Mul… on the way the ops computing its other operands
// (target shapes, scales): what a rewrite of the cache (runtime/kv-in-place-rewrite.ts) must see through.
//   npx tsx bench/torch/print-cache-consumers.ts FILE.onnx [layer]
import { DataType, float32Data, int64Data, type NodeProto, readModelFile, type TensorProto } from '../../packages/core/src/onnx/index.ts';
import { pastKeyName, pastValueName } from '../../packages/core/src/runtime/io-names.ts';

const STOP = new Set(['MatMul', 'Gemm']);
/** Ops on the cache's path whose other operands are printed (shapes, scales). */
const OPERAND_NOTED = new Set(['Expand', 'Reshape', 'Slice', 'Mul', 'Div', 'Add', 'Sub']);
/** How many producers deep an operand's expression is printed. */
const OPERAND_DEPTH = 6;
/** How many readers deep a Shape of the cache is followed. */
const SHAPE_USE_DEPTH = 3;

const [file, layerArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: print-cache-consumers.ts FILE.onnx [layer]');
const layer = Number(layerArg ?? 0);
const graph = readModelFile(file).graph;
const consumers = new Map<string, NodeProto[]>();
const producer = new Map<string, NodeProto>();
for (const n of graph.nodes) {
  for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  for (const o of n.outputs) producer.set(o, n);
}
const outputs = new Set(graph.outputs.map((o) => o.name));
const initializers = new Set(graph.initializers.map((t) => t.name));
const inputs = new Set(graph.inputs.map((t) => t.name));

/** A small constant's values, [a, b]; a scalar bare. */
function constText(t: TensorProto): string {
  const values = t.dataType === DataType.INT64 ? int64Data(t) : t.dataType === DataType.FLOAT ? [...float32Data(t)] : undefined;
  if (values === undefined || values.length > 8) return `Const<${t.dataType}>[${t.dims}]`;
  const text = values.map((v) => (v > 1e18 ? 'MAX' : String(v))).join(', ');
  return t.dims.length === 0 ? text : `[${text}]`;
}

/** The expression that computes `value`, as nested op calls, OPERAND_DEPTH deep; Shape(x) names x's op only, `cache` for the Concat. */
function producedBy(value: string, depth: number, cache: string): string {
  if (value === cache) return 'cache';
  if (inputs.has(value)) return value;
  if (initializers.has(value)) return 'init';
  const p = producer.get(value);
  if (p === undefined) return '?';
  if (p.opType === 'Constant') {
    const t = p.attributes.find((a) => a.name === 'value')?.t;
    return t === undefined ? 'Const' : constText(t);
  }
  if (p.opType === 'Shape') {
    const of = p.inputs[0] as string;
    return `Shape(${of === cache ? 'cache' : (producer.get(of)?.opType ?? of)})`;
  }
  if (depth === 0) return `${p.opType}(…)`;
  return `${p.opType}(${p.inputs.map((i) => producedBy(i, depth - 1, cache)).join(', ')})`;
}

/** Where a Shape read goes, `depth` readers down: 'Gather → Unsqueeze → Slice /name', one per path. */
function shapeUses(value: string, depth: number): string[] {
  const uses = consumers.get(value) ?? [];
  if (depth === 0 || uses.length === 0) return [''];
  return uses.flatMap((n) => {
    const here = `${n.opType} ${n.name}`;
    const below = n.outputs.flatMap((o) => shapeUses(o, depth - 1));
    return below.map((b) => (b === '' ? here : `${n.opType} → ${b}`));
  });
}

/** Data paths from the cache to the MatMuls; a Shape read ends its path (its uses show in the shape operands). */
function walk(value: string, chain: string[], notes: string[], cache: string): void {
  if (outputs.has(value)) console.log(`    ${[...chain, `output ${value}`].join(' → ')}`);
  for (const n of consumers.get(value) ?? []) {
    const slot = n.inputs.indexOf(value);
    const step = `${n.opType}${n.opType === 'MatMul' ? `[in ${slot}]` : ''}`;
    const others = n.inputs.filter((_, k) => k !== slot);
    const shapeNotes = OPERAND_NOTED.has(n.opType)
      ? [...notes, `${n.opType} ${n.name}: ${others.map((i) => producedBy(i, OPERAND_DEPTH, cache)).join(' | ')}`]
      : notes;
    if (STOP.has(n.opType) || n.opType === 'Shape' || n.outputs.length === 0) {
      console.log(`    ${[...chain, `${step} ${n.name}`].join(' → ')}`);
      for (const s of shapeNotes) console.log(`        ${s}`);
      if (n.opType === 'Shape')
        for (const u of new Set(shapeUses(n.outputs[0] as string, SHAPE_USE_DEPTH))) console.log(`        Shape → ${u}`);
      continue;
    }
    for (const o of n.outputs) walk(o, [...chain, step], shapeNotes, cache);
  }
}

for (const past of [pastKeyName(layer), pastValueName(layer)]) {
  for (const concat of (consumers.get(past) ?? []).filter((n) => n.opType === 'Concat')) {
    console.log(`${past} → Concat ${concat.name}:`);
    walk(concat.outputs[0] as string, ['Concat'], [], concat.outputs[0] as string);
  }
}
