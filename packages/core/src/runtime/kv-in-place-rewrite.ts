import { PermanentError } from '@inferlab/experiments';
import {
  DataType,
  type GraphProto,
  int64Data,
  type ModelProto,
  type NodeProto,
  nodeProto,
  type TensorProto,
  tensorFromArray,
} from '../onnx/index.ts';
import { freshNames } from '../quantization/fresh-names.ts';
import { namesDefined, namesTakenDeep, subgraphsOf } from '../quantization/graph-walk.ts';
import { freshKeyName, freshValueName, pastKeyName, pastValueName, presentKeyName, presentValueName } from './io-names.ts';

// The in-place KV cache for a decoder graph our builders did not write (a hub export: Optimum's
// I/O, torch's nodes), by rewriting the graph rather than rebuilding it from named weights.
//
// Such a graph appends each step's keys to the past with Concat(past, fresh, axis 2) and attends
// over the result. Fed the in-place cache's buffer as its past — (B, H, C, hd), C ≥ the filled
// length, the unfilled slots masked out by the widened attention_mask (in-place-kv-cache.ts) — the
// unchanged graph already computes the right thing: it sees a past of C positions, some masked,
// exactly as it sees a left-padded batch. What makes it slow is the Concat (a copy of the whole
// cache per layer per step) and returning that copy as present.*. The rewrite keeps the math and
// drops the copy: the Concat is pushed down through the ops that treat positions alike
// (Transpose, Cast, a one-element scale, and repeat_kv's Unsqueeze → Expand → Reshape of grouped-query
// attention) to the two MatMuls that read it, where it splits —
//   q · [past ‖ fresh]ᵀ        = [q · pastᵀ ‖ q · freshᵀ]                 (scores, (B, H, S, C + S))
//   p · [past ‖ fresh]          = p[…, :C] · past + p[…, C:] · fresh       (context)
// — and Shape of the concatenation is computed from its parts. The graph then returns this step's
// keys and values as fresh.{i}.key|value, which the cache writes into its buffers.
// Anything else that reads the concatenated cache is refused by name, not silently copied: a graph
// that still concatenates would not be in place.

export class KvInPlaceRewriteError extends PermanentError {
  override name = 'KvInPlaceRewriteError';
}

const INT64_MAX = 9223372036854775807n;
/** Ops that act on every position alike, with one input: the concatenation passes through them. */
const PASS_THROUGH = new Set(['Cast', 'Identity', 'Neg']);
/** Binary ops split when the other operand is a single element (it broadcasts over every position alike). */
const ELEMENTWISE = new Set(['Mul', 'Div', 'Add', 'Sub']);
/** Ops whose output is one element when every input is (a scale computed from shapes). */
const ONE_ELEMENT_OPS = new Set(['Cast', 'Identity', 'Neg', 'Sqrt', 'Reciprocal', 'Mul', 'Div', 'Add', 'Sub', 'Pow', 'Squeeze']);

/** A value of `rank` that is Concat(a, b) along `axis`, a the past buffer's part; `concat`: the Concat's own output. */
type Split = { a: string; b: string; axis: number; rank: number; concat: boolean };

export type KvInPlaceRewrite = {
  model: ModelProto;
  /** Concats removed (2 per layer), and how many reads of them each op kind had. */
  concats: number;
  reads: Record<string, number>;
};

/** The graph with the in-place cache's I/O: past buffers in, fresh.{i}.key|value out instead of present.* */
export function rewriteKvInPlace(model: ModelProto, layers: number): KvInPlaceRewrite {
  const g = model.graph;
  const inputs = new Set(g.inputs.map((i) => i.name));
  const past = new Set<string>();
  for (let i = 0; i < layers; i++) {
    for (const p of [pastKeyName(i), pastValueName(i)]) {
      if (!inputs.has(p)) throw new KvInPlaceRewriteError(`the graph has no input ${p}: not a decoder with Optimum's KV-cache inputs`);
      past.add(p);
    }
  }
  if (g.inputs.some((i) => i.name.endsWith('_scale') && i.name.startsWith('past_key_values.'))) {
    throw new KvInPlaceRewriteError('the graph stores its cache as int8 with scales: the rewrite is for float caches');
  }
  const presentToFresh = new Map<string, string>();
  for (let i = 0; i < layers; i++) {
    presentToFresh.set(presentKeyName(i), freshKeyName(i));
    presentToFresh.set(presentValueName(i), freshValueName(i));
  }
  const fresh = freshNames(namesTakenDeep(g));
  const state: RewriteState = {
    fresh,
    past,
    constants: [],
    int64s: new Map(),
    known: constantTensors(g),
    producers: producersDeep(g),
    concats: 0,
    reads: {},
  };
  const rewritten = rewriteGraph(g, state, new Set(), presentToFresh);
  const expected = 2 * layers;
  if (state.concats !== expected) {
    throw new KvInPlaceRewriteError(
      `found ${state.concats} Concat(past, new) nodes for ${layers} layers (expected ${expected}): the graph does not append to its cache as Optimum's exports do`,
    );
  }

  // Top level: present.* outputs become fresh.* (an If's outputs renamed; a Concat's fresh part passed on by an Identity).
  const ifRenames = new Map<string, string>();
  const outputs = rewritten.outputs.map((o) => {
    const to = presentToFresh.get(o.name);
    if (to === undefined) return o;
    if (state.producers.get(o.name)?.opType === 'If') ifRenames.set(o.name, to);
    const shape = o.shape === null ? null : [o.shape[0] ?? null, o.shape[1] ?? null, 'sequence_length', o.shape[3] ?? null];
    return { ...o, name: to, shape };
  });
  const missing = [...presentToFresh.values()].filter((f) => !outputs.some((o) => o.name === f));
  if (missing.length > 0) throw new KvInPlaceRewriteError(`the graph has no present output for ${missing.join(', ')}`);
  const nodes = rewritten.nodes.map((n) => (n.opType === 'If' ? { ...n, outputs: n.outputs.map((o) => ifRenames.get(o) ?? o) } : n));
  return {
    model: {
      ...model,
      graph: {
        ...rewritten,
        nodes,
        initializers: [...rewritten.initializers, ...state.constants],
        outputs,
        valueInfo: rewritten.valueInfo.filter((v) => !presentToFresh.has(v.name)),
      },
    },
    concats: state.concats,
    reads: state.reads,
  };
}

type RewriteState = {
  fresh: (base: string) => string;
  /** The past inputs' names. */
  past: ReadonlySet<string>;
  constants: TensorProto[];
  int64s: Map<bigint, string>;
  /** Constant tensors by name, in every scope: initializers and Constant nodes' values. */
  known: ReadonlyMap<string, TensorProto>;
  /** Every value's producing node, in every scope. */
  producers: ReadonlyMap<string, NodeProto>;
  concats: number;
  reads: Record<string, number>;
};

/** One graph (the main one or a branch): its Concats of a past input, and the nodes reading them, replaced. */
/**
 * `topOutputs`: the main graph's present → fresh output names (a Concat it returns is replaced by an
 * Identity of the fresh part under the fresh name); a branch returns the fresh part under its own name.
 */
function rewriteGraph(
  g: GraphProto,
  state: RewriteState,
  shadowed: ReadonlySet<string>,
  topOutputs?: ReadonlyMap<string, string>,
): GraphProto {
  // Branches first: an If's then-branch is where a merged decoder concatenates.
  const withBranches = g.nodes.map((n) => {
    if (subgraphsOf(n).length === 0) return n;
    const inner = (s: GraphProto) => rewriteGraph(s, state, new Set([...shadowed, ...namesDefined(s)]));
    return {
      ...n,
      attributes: n.attributes.map((a) => ({
        ...a,
        ...(a.g === undefined ? {} : { g: inner(a.g) }),
        ...(a.graphs === undefined ? {} : { graphs: a.graphs.map(inner) }),
      })),
    };
  });
  const isPast = (name: string) => state.past.has(name) && !shadowed.has(name);
  const splits = new Map<string, Split>();
  const replacing = new Map<NodeProto, NodeProto[]>();
  const outputs = new Map<string, string>(); // a concatenation this graph returns → the fresh part it returns instead
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const readers = new Map<string, NodeProto[]>();
  for (const n of withBranches) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);

  const queue: string[] = [];
  for (const n of withBranches) {
    if (n.opType !== 'Concat' || !isPast(n.inputs[0] ?? '') || n.inputs.length !== 2) continue;
    const axis = intAttr(n, 'axis');
    if (axis !== 2 && axis !== -2) continue;
    const value = n.outputs[0] as string;
    splits.set(value, { a: n.inputs[0] as string, b: n.inputs[1] as string, axis: 2, rank: 4, concat: true });
    const to = topOutputs?.get(value);
    // Returned by the main graph: an Identity of the fresh part under the fresh name; else nothing (its readers are split).
    replacing.set(n, to === undefined ? [] : [nodeProto(state.fresh(`KvInPlace_${to}`), 'Identity', [n.inputs[1] as string], [to])]);
    queue.push(n.outputs[0] as string);
    state.concats++;
  }
  const read = (op: string) => {
    state.reads[op] = (state.reads[op] ?? 0) + 1;
  };

  for (let q = 0; q < queue.length; q++) {
    const value = queue[q] as string;
    const split = splits.get(value) as Split;
    if (graphOutputs.has(value)) {
      if (!split.concat) {
        throw new KvInPlaceRewriteError(`the graph returns '${value}', a transformed concatenation of its cache, as an output`);
      }
      const to = topOutputs?.get(value);
      outputs.set(value, to ?? split.b);
      read('output');
    }
    for (const n of readers.get(value) ?? []) {
      if (replacing.has(n)) continue;
      const out = n.outputs[0] as string;
      const at = n.inputs.indexOf(value);
      /** `n` applied to each part (its other inputs as they are, or as `inputsOf` says), the result split along `axis`. */
      const perPart = (
        axis: number,
        rank: number,
        pre: NodeProto[] = [],
        inputsOf?: (part: string, which: 'past' | 'fresh') => string[],
      ) => {
        const parts = { past: split.a, fresh: split.b };
        const made = (['past', 'fresh'] as const).map((which) => {
          const inputs = inputsOf?.(parts[which], which) ?? n.inputs.map((i, k) => (k === at ? parts[which] : i));
          return { ...n, name: state.fresh(`${n.name}_${which}`), inputs, outputs: [state.fresh(`${out}_${which}`)] };
        });
        replacing.set(n, [...pre, ...made]);
        splits.set(out, { a: made[0]?.outputs[0] as string, b: made[1]?.outputs[0] as string, axis, rank, concat: false });
        queue.push(out);
      };
      if (n.opType === 'Transpose') {
        const perm = intsAttr(n, 'perm') ?? Array.from({ length: split.rank }, (_, i) => split.rank - 1 - i);
        perPart(perm.indexOf(split.axis), split.rank);
      } else if (PASS_THROUGH.has(n.opType)) {
        perPart(split.axis, split.rank);
      } else if (ELEMENTWISE.has(n.opType) && n.inputs.length === 2) {
        // A scale (SDPA's √scale on the transposed keys): applied to each part when the other operand is one element.
        const other = n.inputs[1 - at] as string;
        if (!isOneElement(other, state.producers, state.known))
          throw unsplittable(n, value, `its other operand '${other}' is not one element`);
        perPart(split.axis, split.rank);
      } else if (n.opType === 'Unsqueeze' && at === 0) {
        // New axes of size 1 (a grouped-query graph's kv-head groups): the positions' axis moves past those inserted before it.
        const axes = unsqueezeAxes(n, state.known, split.rank);
        if (axes === undefined) throw unsplittable(n, value, 'its axes are not constants');
        let axis = split.axis;
        for (const x of [...axes].sort((p, q) => p - q)) if (x <= axis) axis++;
        perPart(axis, split.rank + axes.length);
      } else if (n.opType === 'Expand' && at === 0) {
        // repeat_kv's broadcast of each KV head to its query heads: the target shape with 1 at the positions'
        // axis broadcasts each part at its own length. Only a target of the input's rank (no new leading axes).
        const shape = n.inputs[1] as string;
        if (staticLength(shape, state.producers, state.known) !== split.rank) {
          throw unsplittable(n, value, `its target shape '${shape}' is not known to have the input's ${split.rank} entries`);
        }
        const c = constants(state);
        const [head, tail, ones] = [state.fresh(`${shape}_head`), state.fresh(`${shape}_tail`), state.fresh(`${shape}_at_1`)];
        const pre = [
          nodeProto(state.fresh(`${n.name}_head`), 'Slice', [shape, c.zero, int64(state, split.axis), c.zero], [head]),
          nodeProto(state.fresh(`${n.name}_tail`), 'Slice', [shape, int64(state, split.axis + 1), c.max, c.zero], [tail]),
          nodeProto(state.fresh(`${n.name}_at_1`), 'Concat', [head, int64(state, 1), tail], [ones], [intAttrProto('axis', 0)]),
        ];
        perPart(split.axis, split.rank, pre, (part) => [part, ones]);
      } else if (n.opType === 'Reshape' && at === 0 && split.axis < split.rank - 1) {
        // repeat_kv's merge of (kv heads, groups) into heads: axes before the positions' are reshaped, the
        // positions' axis and those after it kept — both parts take the target with -1 at the positions'
        // entry, so each keeps its own length. (Were the axes after it not kept, a part's element count
        // would not fit the target and onnxruntime would fail the step, not return other numbers. A target
        // built from Shape of the part would be misread by onnxruntime's ReshapeFusion: measured.)
        const target = n.inputs[1] as string;
        const outRank = staticLength(target, state.producers, state.known);
        const kept = split.rank - split.axis;
        if (outRank === undefined || outRank < kept) throw unsplittable(n, value, `its target shape '${target}' has no known length`);
        const axis = outRank - kept;
        const c = constants(state);
        const [lead, tail, own] = [state.fresh(`${target}_lead`), state.fresh(`${target}_tail`), state.fresh(`${target}_per_part`)];
        const pre = [
          nodeProto(state.fresh(`${n.name}_lead`), 'Slice', [target, c.zero, int64(state, axis), c.zero], [lead]),
          nodeProto(state.fresh(`${n.name}_tail`), 'Slice', [target, int64(state, axis + 1), c.max, c.zero], [tail]),
          nodeProto(state.fresh(`${n.name}_per_part`), 'Concat', [lead, c.minusOne, tail], [own], [intAttrProto('axis', 0)]),
        ];
        perPart(axis, outRank, pre, (part) => [part, own]);
      } else if (n.opType === 'MatMul' && at === 1 && split.axis === split.rank - 1) {
        // Scores: q · [past ‖ fresh]ᵀ, each part's columns, side by side.
        const [pa, pb] = [state.fresh(`${out}_past`), state.fresh(`${out}_fresh`)];
        replacing.set(n, [
          nodeProto(state.fresh(`${n.name}_past`), 'MatMul', [n.inputs[0] as string, split.a], [pa]),
          nodeProto(state.fresh(`${n.name}_fresh`), 'MatMul', [n.inputs[0] as string, split.b], [pb]),
          nodeProto(state.fresh(`${n.name}_concat`), 'Concat', [pa, pb], [out], [intAttrProto('axis', -1)]),
        ]);
        read('MatMul');
      } else if (n.opType === 'MatMul' && at === 1 && split.axis === split.rank - 2) {
        // Context: p · [past ‖ fresh] = p[…, :C] · past + p[…, C:] · fresh.
        replacing.set(n, contextMatMul(n, split, state));
        read('MatMul');
      } else if (n.opType === 'Shape') {
        replacing.set(n, shapeOf(n, split, state));
        read('Shape');
      } else {
        throw unsplittable(
          n,
          value,
          'the rewrite splits Transpose, Unsqueeze, Expand, Reshape, Cast, one-element Mul/Div/Add/Sub, MatMul and Shape',
        );
      }
    }
  }
  if (replacing.size === 0) return { ...g, nodes: withBranches };
  return {
    ...g,
    nodes: withBranches.flatMap((n) => replacing.get(n) ?? [n]),
    outputs: g.outputs.map((o) => {
      const to = outputs.get(o.name);
      return to === undefined ? o : { ...o, name: to, shape: null };
    }),
    valueInfo: g.valueInfo.filter((v) => !splits.has(v.name)),
  };
}

/** MatMul(p, [past ‖ fresh] on the contraction axis) → p[…, :C] · past + p[…, C:] · fresh, C = the past part's length. */
function contextMatMul(n: NodeProto, split: Split, state: RewriteState): NodeProto[] {
  const f = state.fresh;
  const out = n.outputs[0] as string;
  const p = n.inputs[0] as string;
  const c = constants(state);
  const [shape, len, pa, pb, ca, cb] = ['shape', 'len', 'probs_past', 'probs_fresh', 'past', 'fresh'].map((s) => f(`${out}_${s}`)) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return [
    nodeProto(f(`${n.name}_shape`), 'Shape', [split.a], [shape]),
    nodeProto(f(`${n.name}_len`), 'Slice', [shape, int64(state, split.axis), int64(state, split.axis + 1), c.zero], [len]), // [C]
    nodeProto(f(`${n.name}_probs_past`), 'Slice', [p, c.zero, len, c.minusOne], [pa]),
    nodeProto(f(`${n.name}_probs_fresh`), 'Slice', [p, len, c.max, c.minusOne], [pb]),
    nodeProto(f(`${n.name}_past`), 'MatMul', [pa, split.a], [ca]),
    nodeProto(f(`${n.name}_fresh`), 'MatMul', [pb, split.b], [cb]),
    nodeProto(f(`${n.name}_sum`), 'Add', [ca, cb], [out]),
  ];
}

/** Shape(Concat(a, b, axis)) = Shape(a) with Shape(a)[axis] + Shape(b)[axis] at axis (then the node's own start/end). */
function shapeOf(n: NodeProto, split: Split, state: RewriteState): NodeProto[] {
  const f = state.fresh;
  const out = n.outputs[0] as string;
  const c = constants(state);
  const [sa, sb, head, la, lb, sum, tail, full] = ['a', 'b', 'head', 'len_a', 'len_b', 'len', 'tail', 'full'].map((s) =>
    f(`${out}_${s}`),
  ) as [string, string, string, string, string, string, string, string];
  const at = int64(state, split.axis);
  const next = int64(state, split.axis + 1);
  const nodes = [
    nodeProto(f(`${n.name}_a`), 'Shape', [split.a], [sa]),
    nodeProto(f(`${n.name}_b`), 'Shape', [split.b], [sb]),
    nodeProto(f(`${n.name}_head`), 'Slice', [sa, c.zero, at, c.zero], [head]),
    nodeProto(f(`${n.name}_len_a`), 'Slice', [sa, at, next, c.zero], [la]),
    nodeProto(f(`${n.name}_len_b`), 'Slice', [sb, at, next, c.zero], [lb]),
    nodeProto(f(`${n.name}_len`), 'Add', [la, lb], [sum]),
    nodeProto(f(`${n.name}_tail`), 'Slice', [sa, next, c.max, c.zero], [tail]),
  ];
  const start = intAttr(n, 'start');
  const end = intAttr(n, 'end');
  if (start === undefined && end === undefined) {
    return [...nodes, nodeProto(f(`${n.name}_full`), 'Concat', [head, sum, tail], [out], [intAttrProto('axis', 0)])];
  }
  const [s, e] = [f(`${out}_start`), f(`${out}_end`)];
  state.constants.push(
    tensorFromArray(s, DataType.INT64, [1], BigInt64Array.of(BigInt(start ?? 0))),
    tensorFromArray(e, DataType.INT64, [1], BigInt64Array.of(end === undefined ? INT64_MAX : BigInt(end))),
  );
  return [
    ...nodes,
    nodeProto(f(`${n.name}_full`), 'Concat', [head, sum, tail], [full], [intAttrProto('axis', 0)]),
    nodeProto(f(`${n.name}_range`), 'Slice', [full, s, e, c.zero], [out]),
  ];
}

type Constants = { zero: string; minusOne: string; max: string };

/** The int64 [v] initializer the rewrite's Slices take, made once per value. */
function int64(state: RewriteState, v: bigint | number): string {
  const key = BigInt(v);
  const known = state.int64s.get(key);
  if (known !== undefined) return known;
  const name = state.fresh(`kv_in_place_${key < 0n ? `minus_${-key}` : key === INT64_MAX ? 'max' : key}`);
  state.constants.push(tensorFromArray(name, DataType.INT64, [1], BigInt64Array.of(key)));
  state.int64s.set(key, name);
  return name;
}

function constants(state: RewriteState): Constants {
  return { zero: int64(state, 0), minusOne: int64(state, -1), max: int64(state, INT64_MAX) };
}

/** Unsqueeze's axes (opset 13: a constant input; before: an attribute), normalized to the output's rank; undefined when not constant. */
function unsqueezeAxes(n: NodeProto, known: ReadonlyMap<string, TensorProto>, rank: number): number[] | undefined {
  const input = n.inputs[1];
  const t = input === undefined || input === '' ? undefined : known.get(input);
  const raw = input === undefined || input === '' ? intsAttr(n, 'axes') : t === undefined ? undefined : [...int64Data(t)].map(Number);
  if (raw === undefined) return undefined;
  const outRank = rank + raw.length;
  return raw.map((x) => (x < 0 ? x + outRank : x));
}

/** Each value's producer in the graph and its subgraphs. */
function producersDeep(g: GraphProto, into = new Map<string, NodeProto>()): Map<string, NodeProto> {
  for (const n of g.nodes) {
    for (const o of n.outputs) into.set(o, n);
    for (const sub of subgraphsOf(n)) producersDeep(sub, into);
  }
  return into;
}

const elements = (t: TensorProto) => t.dims.reduce((p, d) => p * Number(d), 1);

/** Statically one element of rank ≤ 1: a constant, an element or one-wide Slice of a shape, or elementwise ops of such. */
function isOneElement(
  name: string,
  producers: ReadonlyMap<string, NodeProto>,
  known: ReadonlyMap<string, TensorProto>,
  depth = 0,
): boolean {
  // Of rank ≤ 1 too, so that broadcasting it against a part never adds axes (the split's axis and rank stay as tracked).
  const t = known.get(name);
  if (t !== undefined) return elements(t) === 1 && t.dims.length <= 1;
  const n = producers.get(name);
  if (n === undefined || depth > 16) return false;
  const one = (i: string | undefined) => i !== undefined && i !== '' && isOneElement(i, producers, known, depth + 1);
  const ofShape = (i: string | undefined) => producers.get(i ?? '')?.opType === 'Shape';
  // An element of a shape: Gather of one index (rank ≤ 1) from a 1-D shape vector.
  if (n.opType === 'Gather') return ofShape(n.inputs[0]) && one(n.inputs[1]);
  if (n.opType === 'Slice') {
    const [start, end] = [known.get(n.inputs[1] ?? ''), known.get(n.inputs[2] ?? '')];
    if (start === undefined || end === undefined || elements(start) !== 1 || elements(end) !== 1) return false;
    if (start.dataType !== DataType.INT64 || end.dataType !== DataType.INT64) return false;
    const [s0, e0] = [int64Data(start)[0] as number, int64Data(end)[0] as number];
    // Of a 1-D shape: [k, k + 1), or [-1, end).
    return ofShape(n.inputs[0]) && (e0 - s0 === 1 || (s0 === -1 && e0 >= 2 ** 62));
  }
  if (ONE_ELEMENT_OPS.has(n.opType)) return (n.opType === 'Squeeze' ? [n.inputs[0]] : n.inputs).every(one);
  return false;
}

/** The length of a 1-D shape tensor when known without running the graph: a constant's, or a Concat of one-element parts. */
function staticLength(
  name: string,
  producers: ReadonlyMap<string, NodeProto>,
  known: ReadonlyMap<string, TensorProto>,
  depth = 0,
): number | undefined {
  const t = known.get(name);
  if (t !== undefined) return t.dims.length === 1 ? Number(t.dims[0]) : undefined;
  const n = producers.get(name);
  if (n === undefined || depth > 16) return undefined;
  const of = (i: string | undefined) => (i === undefined ? undefined : staticLength(i, producers, known, depth + 1));
  // Through what keeps a 1-D length: a cast, a Reshape to [-1], and torch's expand(-1) handling Where(s == -1, 1, s).
  if (n.opType === 'Cast' || n.opType === 'Identity') return of(n.inputs[0]);
  if (n.opType === 'Reshape') {
    const to = known.get(n.inputs[1] ?? '');
    return to !== undefined && elements(to) === 1 && int64Data(to)[0] === -1 ? of(n.inputs[0]) : undefined;
  }
  if (n.opType === 'Where') {
    const [x, y] = [of(n.inputs[1]), of(n.inputs[2])];
    return x === undefined ? y : y === undefined || y === x ? x : undefined;
  }
  if (n.opType !== 'Concat') return undefined;
  let total = 0;
  for (const i of n.inputs) {
    const k = known.get(i);
    if (k !== undefined && k.dims.length === 1) total += Number(k.dims[0]);
    else if (isOneElement(i, producers, known) || oneUnsqueezed(i, producers, known)) total += 1;
    else return undefined;
  }
  return total;
}

/** An Unsqueeze of one element (torch builds shapes as Concat(Unsqueeze(Gather(Shape(x), i)), …)). */
function oneUnsqueezed(name: string, producers: ReadonlyMap<string, NodeProto>, known: ReadonlyMap<string, TensorProto>): boolean {
  const n = producers.get(name);
  return n?.opType === 'Unsqueeze' && isOneElement(n.inputs[0] ?? '', producers, known);
}

/** Initializers and Constant nodes' values of the graph and its subgraphs, by name. */
function constantTensors(g: GraphProto, into = new Map<string, TensorProto>()): Map<string, TensorProto> {
  for (const t of g.initializers) into.set(t.name, t);
  for (const n of g.nodes) {
    const value = n.opType === 'Constant' ? n.attributes.find((a) => a.name === 'value')?.t : undefined;
    if (value !== undefined && n.outputs[0] !== undefined) into.set(n.outputs[0], value);
    for (const sub of subgraphsOf(n)) constantTensors(sub, into);
  }
  return into;
}

function unsplittable(n: NodeProto, value: string, why: string): KvInPlaceRewriteError {
  return new KvInPlaceRewriteError(
    `${n.opType} '${n.name}' reads the concatenated KV cache (${value}) in a way the rewrite cannot split (${why}); this graph runs with kvLayout "concat"`,
  );
}

function intAttr(n: NodeProto, name: string): number | undefined {
  const a = n.attributes.find((x) => x.name === name);
  return a?.i === undefined ? undefined : Number(a.i);
}

function intsAttr(n: NodeProto, name: string): number[] | undefined {
  return n.attributes.find((x) => x.name === name)?.ints?.map(Number);
}

const intAttrProto = (name: string, i: number) => ({ name, type: 2, i });
