// Prototype (issue #15, the road not taken): an in-place KV cache through onnxruntime's
// com.microsoft GroupQueryAttention, whose CPU kernel appends the step's keys/values to the present
// buffer and skips copying the past when past and present are the same memory
// (contrib_ops/cpu/bert/gqa_attention_base.h, past_present_share_buffer), beside what we built:
// forge's in-place graph (the past buffer read as is, unfilled slots masked, fresh.* written back
// by the host). Sides, all in one rotation (order rotated every repetition):
//   ours (engine)          the in-place cell through generate + greedyStrategy (what cells run)
//   ours (plain loop)      the same onnxruntime session driven by a bare loop, timed like the GQA sides
//   GQA shared (plain)     a gpt2-small graph with GroupQueryAttention; past_key_values.* fed AND
//                          fetched as the same Float32Array-backed tensors
//   GQA unshared (plain)   the same graph fed its previous present (the concat layout)
//   … (ORT profile)        ours and GQA shared on profiling sessions, a full GC before every run,
//                          timed by onnxruntime's own model_run events: what the graphs cost
//                          without ort-node's copy of every output into a new ArrayBuffer (which
//                          a shared buffer cannot avoid: ort-node 1.30 copies preallocated outputs too)
// npx tsx bench/proto/gqa-contrib-op.ts [--contexts 16,512,912] [--tokens 32] [--reps 3] [--threads 2]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ATTENTION_MASK,
  FORGE_MODELS,
  freshKeyName,
  freshValueName,
  type Generation,
  generate,
  greedyStrategy,
  IN_PLACE_CHUNK,
  INPUT_IDS,
  LOGITS,
  ModelPool,
  NUM_LOGITS_TO_KEEP,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  resolveCellModel,
  resolveModel,
} from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import type { Gpt2Spec } from '../../packages/core/src/forge/forge-models.ts';
import { buildGpt2Embedding, buildGpt2LmHead, type Gpt2Param, layerNorm } from '../../packages/core/src/forge/gpt2-blocks.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from '../../packages/core/src/forge/gpt2-weights.ts';
import { readFloatWeights } from '../../packages/core/src/forge/read-float-weights.ts';
import { attr, createModel, DataType, encodeModel, GraphBuilder, type ModelProto, MS_DOMAIN } from '../../packages/core/src/onnx/index.ts';
import { graphWithLogitsToKeep } from '../../packages/core/src/runtime/load-graph.ts';
import { Bench, type Cell, median, medianCi, promptOfLength, ratioCi, runRotated } from '../lib.ts';

const bench = Bench.start({
  name: 'proto/gqa-contrib-op',
  summary:
    "In-place KV cache: forge's in-place graph vs onnxruntime's com.microsoft GroupQueryAttention with a shared past/present buffer.",
  options: {
    contexts: { type: 'string', default: '16,512,912', description: 'prompt lengths in tokens; first = short, last = long' },
    tokens: { type: 'string', default: '32', description: 'new tokens per request' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per side and context' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads (interOp 1, graph optimization all)' },
  },
});
const contexts = bench.ints('contexts');
const tokens = bench.int('tokens', 2);
const reps = bench.int('reps');
const threads = bench.int('threads');
const MODEL = 'forge:gpt2-small';
const spec = FORGE_MODELS['gpt2-small'] as Gpt2Spec;
const [L, H, hd] = [spec.nLayer, spec.nHead, spec.nEmbd / spec.nHead];
// GQA's own inputs: the int32 total length − 1 per row (B), and the int32 total length (scalar).
const SEQLENS_K = 'seqlens_k';
const TOTAL_SEQUENCE_LENGTH = 'total_sequence_length';

// ---- the GQA graph ----

/** gelu_new from primitives as gpt2-blocks.ts writes it (not exported there), so onnxruntime fuses both graphs alike. */
function geluNew(g: GraphBuilder, x: string): string {
  const cube = g.op('Pow', [x, g.float32('three', [3])]);
  const inner = g.op('Add', [x, g.op('Mul', [cube, g.float32('gelu_c', [0.044715])])]);
  const t = g.op('Tanh', [g.op('Mul', [inner, g.float32('sqrt_2_over_pi', [Math.sqrt(2 / Math.PI)])])]);
  return g.op('Mul', [g.op('Mul', [x, g.float32('half', [0.5])]), g.op('Add', [t, g.float32('one_f', [1])])]);
}

/** Block `i`, attention by GroupQueryAttention: h (B, S, D) → (B, S, D); the step's keys/values go to present.{i}.* at seqlens_k. */
function gqaBlock(g: GraphBuilder, i: number, h: string, param: Gpt2Param): string {
  const p = (suffix: string) => param(W.layer(i, suffix));
  const d = spec.nEmbd;
  const x = layerNorm(g, h, p('ln_1.weight'), p('ln_1.bias'));
  const qkv = g.op('Add', [g.op('MatMul', [x, p('attn.c_attn.weight')]), p('attn.c_attn.bias')]); // (B, S, 3D)
  const [q, k, v] = g.node('Split', [qkv, g.int64('qkv_split', [d, d, d])], 3, { axis: attr.int(2) }) as [string, string, string]; // (B, S, D) each
  // The op splits heads itself; scale left at its default 1/√hd (exact, hd = 64); causal from seqlens_k, so no mask input.
  const [context] = g.node(
    'GroupQueryAttention',
    [q, k, v, pastKeyName(i), pastValueName(i), SEQLENS_K, TOTAL_SEQUENCE_LENGTH],
    [`gqa_${i}`, presentKeyName(i), presentValueName(i)],
    { num_heads: attr.int(H), kv_num_heads: attr.int(H) },
    MS_DOMAIN,
  ) as [string]; // (B, S, D)
  const mid = g.op('Add', [h, g.op('Add', [g.op('MatMul', [context, p('attn.c_proj.weight')]), p('attn.c_proj.bias')])]);
  const x2 = layerNorm(g, mid, p('ln_2.weight'), p('ln_2.bias'));
  const fc = g.op('Add', [g.op('MatMul', [x2, p('mlp.c_fc.weight')]), p('mlp.c_fc.bias')]); // (B, S, 4D)
  return g.op('Add', [mid, g.op('Add', [g.op('MatMul', [geluNew(g, fc), p('mlp.c_proj.weight')]), p('mlp.c_proj.bias')])]);
}

/** gpt2-small with GQA attention; logits of the last row only (B, 1, V), as our graphs give them for num_logits_to_keep = 1. */
function buildGqaGpt2(weights: Gpt2Weights): ModelProto {
  const g = new GraphBuilder('inferlab-gpt2-gqa');
  const added = new Set<string>();
  const param: Gpt2Param = (name) => {
    if (added.has(name)) return name; // the tied table: embedding and LM head
    const w = weights.get(name);
    if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
    added.add(name);
    return g.initializer(name, DataType.FLOAT, w.dims, w.data);
  };
  const inputIds = g.input(INPUT_IDS, DataType.INT64, ['batch', 'seq']);
  const positionIds = g.input(POSITION_IDS, DataType.INT64, ['batch', 'seq']);
  g.input(SEQLENS_K, DataType.INT32, ['batch']);
  g.input(TOTAL_SEQUENCE_LENGTH, DataType.INT32, []);
  for (let i = 0; i < L; i++) {
    g.input(pastKeyName(i), DataType.FLOAT, ['batch', H, 'past_capacity', hd]);
    g.input(pastValueName(i), DataType.FLOAT, ['batch', H, 'past_capacity', hd]);
  }
  let h = buildGpt2Embedding(g, param, inputIds, positionIds); // (B, S, D)
  for (let i = 0; i < L; i++) h = gqaBlock(g, i, h, param);
  const last = g.op('Slice', [h, g.int64('last_from', [-1]), g.int64('last_to', [Number.MAX_SAFE_INTEGER]), g.int64('seq_axis', [1])]); // (B, 1, D)
  buildGpt2LmHead(g, param, last, LOGITS);
  g.output(LOGITS, DataType.FLOAT, ['batch', 1, spec.vocabSize]);
  for (let i = 0; i < L; i++) {
    g.output(presentKeyName(i), DataType.FLOAT, ['batch', H, 'present_capacity', hd]); // max(total, past_capacity)
    g.output(presentValueName(i), DataType.FLOAT, ['batch', H, 'present_capacity', hd]);
  }
  return createModel(g.build());
}

// ---- the KV buffers and the loops ----

/** Keys and values per layer, (1, H, capacity, hd) each, capacity grown in chunks as InPlaceKvCache grows it. */
class KvBuffers {
  capacity = 0;
  length = 0;
  buffers: Float32Array[] = Array.from({ length: 2 * L }, () => new Float32Array(0)); // layer i: key 2i, value 2i + 1
  tensors: ort.Tensor[] = this.buffers.map((b) => new ort.Tensor('float32', b, [1, H, 0, hd]));

  fit(need: number): void {
    if (need <= this.capacity) return;
    const next = Math.ceil(need / IN_PLACE_CHUNK) * IN_PLACE_CHUNK;
    this.buffers = this.buffers.map((old) => {
      const b = new Float32Array(H * next * hd);
      for (let h = 0; h < H; h++) b.set(old.subarray(h * this.capacity * hd, (h * this.capacity + this.length) * hd), h * next * hd);
      return b;
    });
    this.capacity = next;
    this.tensors = this.buffers.map((b) => new ort.Tensor('float32', b, [1, H, next, hd]));
  }

  /** Writes fresh rows (1, H, s, hd) of plane j at positions length.. (the caller then advances length). */
  write(j: number, fresh: Float32Array, s: number): void {
    const b = this.buffers[j] as Float32Array;
    for (let h = 0; h < H; h++) b.set(fresh.subarray(h * s * hd, (h + 1) * s * hd), (h * this.capacity + this.length) * hd);
  }
}

type Run = (feeds: ort.InferenceSession.FeedsType, fetches?: ort.InferenceSession.FetchesType) => Promise<ort.InferenceSession.ReturnType>;
const runOf =
  (s: ort.InferenceSession): Run =>
  (feeds, fetches) =>
    fetches === undefined ? s.run(feeds) : s.run(feeds, fetches);
/** Runs the graph on `ids` at positions `len`.. and returns the last row's logits (V). */
type Step = (ids: number[], len: number) => Promise<Float32Array>;
type Profile = { runs: { ts: number; dur: number }[]; nodes: { ts: number; dur: number; op: string }[] };
/** runs: this generation's run indices [from, to) in its session's profile (profiled sides only). */
type Sample = { tokens: number[]; ttft: number; decode: number; margins: number[]; runs?: [number, number] };

/** A bare greedy loop: argmax on the host, no tokenizer; TTFT from the first feed, decode = (n − 1) / (last − first). */
async function plainLoop(prompt: readonly number[], n: number, step: Step): Promise<Sample> {
  const t0 = performance.now();
  let ids = [...prompt];
  let len = 0;
  const out: number[] = [];
  const margins: number[] = []; // top-1 − top-2 logit: how near a tie each choice was
  const times: number[] = [];
  while (out.length < n) {
    const logits = await step(ids, len);
    let [best, second] = (logits[1] as number) > (logits[0] as number) ? [1, 0] : [0, 1];
    for (let v = 2; v < logits.length; v++) {
      const x = logits[v] as number;
      if (x > (logits[best] as number)) [best, second] = [v, best];
      else if (x > (logits[second] as number)) second = v;
    }
    len += ids.length;
    ids = [best];
    out.push(best);
    margins.push((logits[best] as number) - (logits[second] as number));
    times.push(performance.now() - t0);
  }
  const [first, last] = [times[0] as number, times.at(-1) as number];
  return { tokens: out, ttft: first, decode: (n - 1) / ((last - first) / 1000), margins };
}

const int64 = (xs: readonly number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), dims);
const positions = (s: number, len: number) =>
  int64(
    Array.from({ length: s }, (_, j) => len + j),
    [1, s],
  );
const logitsOf = (r: ort.InferenceSession.ReturnType) => (r[LOGITS] as ort.Tensor).data as Float32Array; // (1, 1, V)
const kvFeeds = (past: readonly ort.Tensor[]) =>
  Object.fromEntries(
    Array.from({ length: L }, (_, i) => [
      [pastKeyName(i), past[2 * i]],
      [pastValueName(i), past[2 * i + 1]],
    ]).flat(),
  );

function gqaFeeds(ids: number[], len: number): Record<string, ort.Tensor> {
  const total = len + ids.length;
  return {
    [INPUT_IDS]: int64(ids, [1, ids.length]),
    [POSITION_IDS]: positions(ids.length, len),
    [SEQLENS_K]: new ort.Tensor('int32', Int32Array.of(total - 1), [1]),
    [TOTAL_SEQUENCE_LENGTH]: new ort.Tensor('int32', Int32Array.of(total), []),
  };
}

/** One GQA run on shared buffers: each plane fed as past_key_values.* and fetched as present.*, so the kernel appends in place. */
async function runGqaShared(run: Run, kv: KvBuffers, ids: number[], len: number): Promise<ort.InferenceSession.ReturnType> {
  kv.fit(len + ids.length); // the op needs the buffer to hold the total
  const fetches: Record<string, ort.Tensor | null> = { [LOGITS]: null };
  for (let i = 0; i < L; i++) {
    fetches[presentKeyName(i)] = kv.tensors[2 * i] as ort.Tensor;
    fetches[presentValueName(i)] = kv.tensors[2 * i + 1] as ort.Tensor;
  }
  const r = await run({ ...gqaFeeds(ids, len), ...kvFeeds(kv.tensors) }, fetches);
  kv.length = len + ids.length;
  return r;
}

const gqaSharedStep = (run: Run): Step => {
  const kv = new KvBuffers();
  return async (ids, len) => logitsOf(await runGqaShared(run, kv, ids, len));
};

/** GQA fed the previous present (1, H, len, hd): the kernel zeroes a fresh present and copies the past into it. */
function gqaUnsharedStep(run: Run): Step {
  let past: ort.Tensor[] = Array.from({ length: 2 * L }, () => new ort.Tensor('float32', new Float32Array(0), [1, H, 0, hd]));
  return async (ids, len) => {
    const r = await run({ ...gqaFeeds(ids, len), ...kvFeeds(past) });
    past = Array.from({ length: L }, (_, i) => [r[presentKeyName(i)], r[presentValueName(i)]] as ort.Tensor[]).flat();
    return logitsOf(r);
  };
}

/** Our in-place graph: the buffer (capacity) fed as the past, slots past len masked, fresh.* written back on the host. */
function oursStep(run: Run): Step {
  const kv = new KvBuffers();
  return async (ids, len) => {
    const s = ids.length;
    const mask = new BigInt64Array(kv.capacity + s).fill(1n, 0, len).fill(1n, kv.capacity); // (1, C + S)
    const r = await run({
      [INPUT_IDS]: int64(ids, [1, s]),
      [ATTENTION_MASK]: new ort.Tensor('int64', mask, [1, kv.capacity + s]),
      [POSITION_IDS]: positions(s, len),
      [NUM_LOGITS_TO_KEEP]: int64([1], []),
      ...kvFeeds(kv.tensors),
    });
    kv.fit(len + s);
    for (let i = 0; i < L; i++) {
      kv.write(2 * i, (r[freshKeyName(i)] as ort.Tensor).data as Float32Array, s);
      kv.write(2 * i + 1, (r[freshValueName(i)] as ort.Tensor).data as Float32Array, s);
    }
    kv.length = len + s;
    return logitsOf(r);
  };
}

/** A session whose every run lands in onnxruntime's profile; its model_run events time a run without ort-node's output copies. */
class ProfiledSession {
  runs = 0;
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly prefix: string,
  ) {}

  static async create(model: string | Uint8Array, prefix: string): Promise<ProfiledSession> {
    const options = { ...sessionOptions, enableProfiling: true, profileFilePrefix: prefix };
    const session =
      typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    return new ProfiledSession(session, prefix);
  }

  readonly run: Run = (feeds, fetches) => {
    collectGarbage(); // outside model_run: the ArrayBuffers ort-node copied the last outputs into are not freed during this run
    this.runs++;
    return fetches === undefined ? this.session.run(feeds) : this.session.run(feeds, fetches);
  };

  /** Ends profiling: every run's model_run event and every node's kernel time (ts and dur in µs). */
  profile(): Profile {
    this.session.endProfiling();
    const [dir, base] = [join(this.prefix, '..'), this.prefix.split('/').at(-1) as string];
    const file = readdirSync(dir).find((f) => f.startsWith(base) && f.endsWith('.json'));
    if (file === undefined) throw new Error(`no profile ${this.prefix}_*.json`);
    type Shapes = Record<string, number[]>[];
    type Args = { op_name?: string; input_type_shape?: Shapes; output_type_shape?: Shapes };
    type Event = { cat: string; name: string; ts: number; dur: number; args?: Args };
    // A node touching a 4-D tensor (B, H, ·, ·) is attention: heads split or merged, scores, mask bias, the GQA op itself.
    const rank4 = (shapes: Shapes = []) => shapes.some((t) => Object.values(t).some((dims) => dims.length === 4));
    const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Event[];
    return {
      runs: events.filter((e) => e.name === 'model_run'),
      nodes: events
        .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
        .map((e) => {
          const op = e.args?.op_name ?? '?';
          return {
            ts: e.ts,
            dur: e.dur,
            op: rank4(e.args?.input_type_shape) || rank4(e.args?.output_type_shape) ? `${op} (attention)` : op,
          };
        })
        .sort((a, b) => a.ts - b.ts),
    };
  }

  /** One generation through this session, its runs recorded for the profile. */
  async generate(prompt: readonly number[], n: number, step: (run: Run) => Step): Promise<Sample> {
    const from = this.runs;
    const sample = await plainLoop(prompt, n, step(this.run));
    return { ...sample, runs: [from, this.runs] };
  }
}

// A full GC on demand, for the profiled sides only (node runs without --expose-gc).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// ---- models and sessions ----
const sessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
} as const;
const modelsDir = modelsDirFromEnv(process.env);
const roots = { modelsDir, modelRoots: [modelsDir] };
const source = await resolveModel(MODEL, 'fp32', roots);
const cell = await resolveCellModel(MODEL, { dtype: 'fp32', kvLayout: 'in-place' }, roots);
const pool = new ModelPool(1);
const loaded = await pool.get(cell, { threads, executionProvider: 'cpu' });
const { tokenizer } = loaded;
const ours = runOf(loaded.session.session); // the engine's own onnxruntime session: same graph, same kernels
const gqaBytes = encodeModel(buildGqaGpt2(readFloatWeights(source.file)));
const gqa = runOf(await ort.InferenceSession.create(gqaBytes, sessionOptions)); // errors if the CPU provider lacks the op
const profileDir = mkdtempSync(join(tmpdir(), 'gqa-contrib-op-'));
const oursProfiled = await ProfiledSession.create(await graphWithLogitsToKeep(cell.file), join(profileDir, 'ours'));
const gqaProfiled = await ProfiledSession.create(gqaBytes, join(profileDir, 'gqa'));
if (!loaded.session.keepsLogits) throw new Error('the in-place session takes no num_logits_to_keep');

const promptOf = (n: number) => promptOfLength(tokenizer, n);

/**
 * Does the CPU kernel share the buffer? Every slot starts NaN, so only rows the kernel writes change:
 * the unshared branch zeroes the whole present first, and a present of onnxruntime's own copied into
 * ours afterwards would bring those zeros along.
 */
async function checkSharing(ids: number[]): Promise<{ shared: boolean; lines: string[] }> {
  const s = ids.length;
  const kv = new KvBuffers();
  kv.fit(s + 1);
  const cap = kv.capacity;
  for (const b of kv.buffers) b.fill(Number.NaN);
  const rows = (from: number, to: number) => {
    const states = new Set<string>();
    for (const b of kv.buffers)
      for (let h = 0; h < H; h++) {
        const xs = b.subarray((h * cap + from) * hd, (h * cap + to) * hd);
        states.add(xs.every(Number.isNaN) ? 'NaN' : xs.every(Number.isFinite) ? 'written' : 'mixed');
      }
    return [...states].join('+');
  };
  const prefill = await runGqaShared(gqa, kv, ids, 0);
  const afterPrefill = [rows(0, s), rows(s, cap)];
  const before = kv.buffers.map((b) => Float32Array.from(b));
  const step = await runGqaShared(gqa, kv, [0], s);
  const unchanged = (b: Float32Array, old: Float32Array) => {
    for (let h = 0; h < H; h++) for (let n = h * cap * hd; n < (h * cap + s) * hd; n++) if (!Object.is(b[n], old[n])) return false;
    return true;
  };
  const kept = kv.buffers.every((b, j) => unchanged(b, before[j] as Float32Array));
  const finite = logitsOf(prefill).every(Number.isFinite) && logitsOf(step).every(Number.isFinite);
  const returned = (step[presentKeyName(0)] as ort.Tensor).data as Float32Array;
  const ours0 = kv.buffers[0] as Float32Array;
  ours0[0] = 12345; // does the returned tensor see a write into our buffer?
  const aliases = returned[0] === 12345;
  // The same two runs unshared (a past of length len fed, a fresh present returned): rows must agree bit for bit.
  const empty: ort.Tensor[] = Array.from({ length: 2 * L }, () => new ort.Tensor('float32', new Float32Array(0), [1, H, 0, hd]));
  const a = await gqa({ ...gqaFeeds(ids, 0), ...kvFeeds(empty) });
  const aPast = Array.from({ length: L }, (_, i) => [a[presentKeyName(i)], a[presentValueName(i)]] as ort.Tensor[]).flat();
  const b = await gqa({ ...gqaFeeds([0], s), ...kvFeeds(aPast) });
  ours0[0] = before[0]?.[0] as number;
  let maxDiff = 0;
  for (let j = 0; j < 2 * L; j++) {
    const ref = (b[j % 2 === 0 ? presentKeyName(j >> 1) : presentValueName(j >> 1)] as ort.Tensor).data as Float32Array; // (1, H, s + 1, hd)
    const buf = kv.buffers[j] as Float32Array;
    for (let h = 0; h < H; h++)
      for (let n = 0; n < (s + 1) * hd; n++)
        maxDiff = Math.max(maxDiff, Math.abs((ref[h * (s + 1) * hd + n] as number) - (buf[h * cap * hd + n] as number)));
  }
  const shared =
    afterPrefill.join() === 'written,NaN' && kept && rows(s, s + 1) === 'written' && rows(s + 1, cap) === 'NaN' && finite && maxDiff === 0;
  return {
    shared,
    lines: [
      `  all ${2 * L} planes NaN-filled, (1, ${H}, ${cap}, ${hd}); after the prefill of ${s}: rows [0, ${s}) ${afterPrefill[0]}, rows [${s}, ${cap}) ${afterPrefill[1]}`,
      `  after one decode step: rows [0, ${s}) bit-for-bit unchanged ${kept}, row ${s} ${rows(s, s + 1)}, rows [${s + 1}, ${cap}) ${rows(s + 1, cap)}; logits finite (NaN slots never read) ${finite}`,
      `  rows equal to the unshared run's present: max |diff| ${maxDiff}`,
      `  the returned present.0.key aliases our buffer: ${aliases} (ort-node copies every output into a new ArrayBuffer, preallocated or not)`,
    ],
  };
}

bench.header(
  `${MODEL} fp32, greedy, batch 1, ${threads} threads, ${tokens} new tokens, ${reps} reps, order rotated; onnxruntime-node ${ort.env.versions.common}; ` +
    'logits of the last row only on every side (ours: num_logits_to_keep = 1; GQA: a fixed last-row Slice)',
);
const sharing = await checkSharing(tokenizer.encode(promptOf(16)));
console.log(
  `com.microsoft GroupQueryAttention on the CPU provider: session created and run; past/present buffer shared by the kernel: ${sharing.shared}`,
);
for (const line of sharing.lines) console.log(line);

const fromGeneration = (g: Generation): Sample => {
  const first = g.events[0]?.t ?? Number.NaN;
  const last = g.events.at(-1)?.t ?? Number.NaN;
  return {
    tokens: g.outputTokenIds,
    ttft: first - g.tokenizeMs,
    decode: (g.outputTokenIds.length - 1) / ((last - first) / 1000),
    margins: [],
  };
};
const strategy = greedyStrategy(loaded.session, { useCache: true });
const ENGINE = 'ours (engine)';
const PLAIN = 'ours (plain loop)';
const SHARED = 'GQA shared (plain)';
const OURS_PROFILE = 'ours (ORT profile)';
const SHARED_PROFILE = 'GQA shared (ORT profile)';
const sides: [string, (prompt: string, n: number) => Promise<Sample>][] = [
  [ENGINE, async (p, n) => fromGeneration(await generate(tokenizer, p, { maxNewTokens: n, strategy, eosTokenIds: [] }))],
  [PLAIN, (p, n) => plainLoop(tokenizer.encode(p), n, oursStep(ours))],
  [SHARED, (p, n) => plainLoop(tokenizer.encode(p), n, gqaSharedStep(gqa))],
  ['GQA unshared (plain)', (p, n) => plainLoop(tokenizer.encode(p), n, gqaUnsharedStep(gqa))],
  [OURS_PROFILE, (p, n) => oursProfiled.generate(tokenizer.encode(p), n, oursStep)],
  [SHARED_PROFILE, (p, n) => gqaProfiled.generate(tokenizer.encode(p), n, gqaSharedStep)],
];

// ---- correctness first: every side's greedy tokens against the engine's (these runs are also the warmup) ----
const prompts = new Map(contexts.map((ctx) => [ctx, promptOf(ctx)]));
const agreement = new Map<string, string>();
for (const [ctx, prompt] of prompts) {
  const runs = new Map<string, Sample>();
  for (const [name, run] of sides) runs.set(name, await run(prompt, tokens));
  const want = runs.get(ENGINE)?.tokens ?? [];
  const ourMargins = runs.get(PLAIN)?.margins ?? [];
  for (const [name, got] of runs) {
    const at = got.tokens.findIndex((t, i) => t !== want[i]);
    const margin = (m: number[]) => (m[at] === undefined ? 'n/a' : (m[at] as number).toExponential(2));
    agreement.set(
      `${name}@${ctx}`,
      at < 0
        ? 'yes'
        : `no: token ${at} is ${got.tokens[at]}, not ${want[at]} (top-2 logit margin: ours ${margin(ourMargins)}, this side ${margin(got.margins)})`,
    );
  }
  console.log(`  context ${ctx}: ${tokenizer.encode(prompt).length} prompt tokens; same ${tokens} tokens as the engine:`);
  for (const [name] of sides) console.log(`    ${name}: ${agreement.get(`${name}@${ctx}`)}`);
}

// ---- measurement: every (side, context) pair is one side of the rotation ----
const measured = await runRotated(
  contexts.flatMap((ctx) => sides.map(([name, run]) => [`${name}@${ctx}`, () => run(prompts.get(ctx) as string, tokens)] as const)),
  { reps, warmup: 0, onRep: (r) => console.log(`  rep ${r + 1}/${reps} done`) },
);
// Profiled sides: TTFT = the prefill's model_run, decode = (n − 1) / the decode runs' model_run total.
const profiles = new Map<string, Profile>();
for (const [name, profiled] of [
  [OURS_PROFILE, oursProfiled],
  [SHARED_PROFILE, gqaProfiled],
] as const) {
  const profile = profiled.profile();
  profiles.set(name, profile);
  const ms = profile.runs.map((r) => r.dur / 1000);
  for (const ctx of contexts)
    for (const sample of measured.get(`${name}@${ctx}`) ?? []) {
      const [from, to] = sample.runs ?? [0, 0];
      sample.ttft = ms[from] as number;
      sample.decode = (to - from - 1) / (ms.slice(from + 1, to).reduce((x, y) => x + y, 0) / 1000);
    }
}
/** ms per decode step by op type over the measured decode runs of `name` at `ctx` (kernel time; what is left of model_run: 'other'). */
function opTimes(name: string, ctx: number): Map<string, number> {
  const profile = profiles.get(name) as Profile;
  const indices = (measured.get(`${name}@${ctx}`) ?? []).flatMap(({ runs: [from, to] = [0, 0] }) =>
    Array.from({ length: to - from - 1 }, (_, k) => from + 1 + k),
  );
  const windows = indices.map((i) => profile.runs[i] as { ts: number; dur: number }).sort((a, b) => a.ts - b.ts);
  const acc = new Map<string, number>();
  let k = 0;
  for (const n of profile.nodes) {
    while (k < windows.length && n.ts > (windows[k]?.ts ?? 0) + (windows[k]?.dur ?? 0)) k++;
    if (k === windows.length) break;
    if (n.ts >= (windows[k]?.ts ?? 0)) acc.set(n.op, (acc.get(n.op) ?? 0) + n.dur / 1000 / indices.length);
  }
  const run = windows.reduce((x, w) => x + w.dur / 1000, 0) / indices.length;
  const sum = (attention: boolean) => [...acc].reduce((x, [op, ms]) => x + (op.endsWith('(attention)') === attention ? ms : 0), 0);
  const [attention, rest] = [sum(true), sum(false)];
  acc.set('= attention kernels', attention);
  acc.set('= other kernels', rest);
  acc.set('= model_run − kernels', run - attention - rest);
  acc.set('= model_run', run);
  return acc;
}
rmSync(profileDir, { recursive: true, force: true });

const of = (name: string, ctx: number) => measured.get(`${name}@${ctx}`) ?? [];
const decodes = (name: string, ctx: number) => of(name, ctx).map((x) => x.decode);
const ttfts = (name: string, ctx: number) => of(name, ctx).map((x) => x.ttft);
bench.table(
  'gpt2-small fp32: decode and TTFT by context',
  contexts.flatMap((ctx) =>
    sides.map(
      ([name]): Record<string, Cell> => ({
        context: ctx,
        side: name,
        'decode tok/s': medianCi(decodes(name, ctx), 'no decode'),
        'TTFT ms': medianCi(ttfts(name, ctx), 'no token'),
        'decode ms/token': 1000 / median(decodes(name, ctx)),
        'same tokens as engine': (agreement.get(`${name}@${ctx}`) ?? '').slice(0, 3),
      }),
    ),
  ),
  [
    'decode tok/s = (N_out − 1) / (time of the last token − time of the first); TTFT from the first feed (engine: tokenization excluded). Median [95% bootstrap CI].',
    '(ORT profile) sides: the same loops on profiling sessions, a full GC before each run, timed by onnxruntime model_run events (no ort-node input/output conversion, no host work).',
  ],
);
const versus = (theirs: string, mine: string) =>
  contexts.map((ctx) => ({
    context: ctx,
    pair: `${theirs} / ${mine}`,
    'decode ratio': ratioCi(decodes(mine, ctx), decodes(theirs, ctx), 'no decode'),
    'TTFT ratio': ratioCi(ttfts(mine, ctx), ttfts(theirs, ctx), 'no token'),
  }));
bench.table('GQA shared / ours (decode ratio > 1: GQA decodes faster; TTFT ratio < 1: GQA answers first)', [
  ...versus(SHARED, ENGINE),
  ...versus(SHARED, PLAIN),
  ...versus(SHARED_PROFILE, OURS_PROFILE),
]);
const [short, long] = [contexts[0] as number, contexts.at(-1) as number];
bench.table(
  `decode at context ${long} / decode at context ${short}`,
  sides.map(([name]) => ({ side: name, 'long / short': ratioCi(decodes(name, short), decodes(name, long), 'no decode') })),
);
{
  const [o, q] = [opTimes(OURS_PROFILE, long), opTimes(SHARED_PROFILE, long)];
  const size = (op: string) => Math.max(q.get(op) ?? 0, o.get(op) ?? 0);
  const all = [...new Set([...o.keys(), ...q.keys()])];
  const totals = all.filter((op) => op.startsWith('='));
  const ops = [...all.filter((op) => !op.startsWith('=') && size(op) >= 0.05).sort((a, b) => size(b) - size(a)), ...totals];
  bench.table(
    `ORT profile: ms per decode step at context ${long} by op type (mean over the measured steps; '(attention)': the node reads or writes a 4-D tensor)`,
    ops.map((op) => ({ 'op type': op, ours: o.get(op) ?? 0, 'GQA shared': q.get(op) ?? 0 })),
  );
}
bench.finish();
await pool.clear();
