import { PermanentError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import type { DecoderConfig } from '../runtime/decoder-config.ts';
import { type SessionOptions, sessionLoadError } from '../runtime/decoder-session.ts';
import { ortBackendFor } from '../runtime/execution-provider.ts';
import {
  ATTENTION_MASK,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  SEGMENT_HIDDEN_IN,
  SEGMENT_HIDDEN_OUT,
} from '../runtime/io-names.ts';
import { ensureSegmentFiles, segmentFileName as key, type SegmentFile } from './segment-files.ts';

/** Per-layer past/present tensors, (1, H, T, hd) each, indexed by global layer. */
export type LayerTensors = { keys: ort.Tensor[]; values: ort.Tensor[] };

/**
 * Where a segmented model may stop: `boundaries` are block counts in 1..nLayer-1 after which the
 * residual stream is handed back (exit layers); `kvFill` the layers from which skipped layers'
 * K/V may be filled (CALM propagation).
 */
export type SegmentPlan = { boundaries: readonly number[]; kvFill: readonly number[] };

export class SegmentPlanError extends PermanentError {
  override readonly name = 'SegmentPlanError';
}

const ones = (n: number) => new BigInt64Array(n).fill(1n);

/** onnxruntime session config entries of every segment and exit-map session (see createSession). */
export const SEGMENT_SESSION_EXTRA = { session: { intra_op: { allow_spinning: '0' } } };

async function createSession(file: string, options: SessionOptions): Promise<ort.InferenceSession> {
  // The same provider, thread and optimization settings as DecoderSession.load: segments and the
  // monolithic graph must be compared like for like. One exception, measured: a token runs several
  // segment sessions back to back, each with its own intra-op pool, and a pool that spins after its
  // run steals the cores from the next session (gpt2-small, 2 cores: 68 ms per token spinning vs
  // 24.5 ms not, monolithic 20 ms), so segment pools sleep instead of spinning.
  const backend = ortBackendFor(options.executionProvider, options.backend);
  try {
    return await ort.InferenceSession.create(file, {
      executionProviders: [backend],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      extra: SEGMENT_SESSION_EXTRA,
    });
  } catch (cause) {
    throw sessionLoadError(`cannot load segment ${file}`, options.executionProvider, backend, cause);
  }
}

/** A GPT-2 folder's layer segments as onnxruntime sessions (batch 1): embed → blocks… → head. */
export class Gpt2Segments {
  private constructor(
    readonly config: DecoderConfig,
    /** 0, the plan's boundaries, nLayer: block ranges are consecutive pairs. */
    readonly cuts: readonly number[],
    private readonly sessions: Map<string, ort.InferenceSession>,
  ) {}

  static async load(modelDir: string, config: DecoderConfig, options: SessionOptions, plan: SegmentPlan): Promise<Gpt2Segments> {
    const n = config.layers;
    const cuts = [0, ...new Set(plan.boundaries)].sort((a, b) => a - b);
    for (const b of [...cuts.slice(1), ...plan.kvFill]) {
      if (!Number.isInteger(b) || b < 1 || b > n - 1)
        throw new SegmentPlanError(`segment boundary ${b}: must be an integer in 1..${n - 1}`);
    }
    cuts.push(n);
    const files: SegmentFile[] = [{ kind: 'embed' }, { kind: 'head' }];
    for (let i = 0; i + 1 < cuts.length; i++) files.push({ kind: 'blocks', from: cuts[i] as number, to: cuts[i + 1] as number });
    for (const from of new Set(plan.kvFill)) files.push({ kind: 'kv-fill', from });
    const paths = ensureSegmentFiles(modelDir, files);
    const sessions = new Map<string, ort.InferenceSession>();
    for (const [i, s] of files.entries()) sessions.set(key(s), await createSession(paths[i] as string, options));
    return new Gpt2Segments(config, cuts, sessions);
  }

  private session(s: SegmentFile): ort.InferenceSession {
    const found = this.sessions.get(key(s));
    if (found === undefined) throw new SegmentPlanError(`segment ${key(s)} is not in this plan (cuts ${this.cuts.join(', ')})`);
    return found;
  }

  /** Token ids at positions from.. → h (1, S, D). */
  async embed(ids: readonly number[], from: number): Promise<ort.Tensor> {
    const s = ids.length;
    const out = await this.session({ kind: 'embed' }).run({
      [INPUT_IDS]: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, s]),
      [POSITION_IDS]: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: s }, (_, j) => BigInt(from + j)),
        [1, s],
      ),
    });
    return out[SEGMENT_HIDDEN_OUT] as ort.Tensor;
  }

  /** Blocks [from, to) over h (1, S, D) with `past` (layers from..to-1, each (1, H, P, hd)); writes presents into `past`. */
  async blocks(from: number, to: number, h: ort.Tensor, past: LayerTensors): Promise<ort.Tensor> {
    const total = Number(past.keys[from]?.dims[2]) + Number(h.dims[1]);
    const feeds: Record<string, ort.Tensor> = {
      [SEGMENT_HIDDEN_IN]: h,
      [ATTENTION_MASK]: new ort.Tensor('int64', ones(total), [1, total]),
    };
    for (let i = from; i < to; i++) {
      feeds[pastKeyName(i)] = past.keys[i] as ort.Tensor;
      feeds[pastValueName(i)] = past.values[i] as ort.Tensor;
    }
    const out = await this.session({ kind: 'blocks', from, to }).run(feeds);
    for (let i = from; i < to; i++) {
      past.keys[i] = out[presentKeyName(i)] as ort.Tensor;
      past.values[i] = out[presentValueName(i)] as ort.Tensor;
    }
    return out[SEGMENT_HIDDEN_OUT] as ort.Tensor;
  }

  /** z (1, S, D) → logits (1, S, V), through ln_f and the tied LM head. */
  async head(z: ort.Tensor): Promise<Float32Array> {
    const out = await this.session({ kind: 'head' }).run({ [SEGMENT_HIDDEN_IN]: z });
    return (out[LOGITS] as ort.Tensor).data as Float32Array;
  }

  /** CALM fill: layers from..nLayer-1 get K/V projections of h (1, S, D) appended to their past. */
  async fillKv(from: number, h: ort.Tensor, past: LayerTensors): Promise<void> {
    const feeds: Record<string, ort.Tensor> = { [SEGMENT_HIDDEN_IN]: h };
    for (let i = from; i < this.config.layers; i++) {
      feeds[pastKeyName(i)] = past.keys[i] as ort.Tensor;
      feeds[pastValueName(i)] = past.values[i] as ort.Tensor;
    }
    const out = await this.session({ kind: 'kv-fill', from }).run(feeds);
    for (let i = from; i < this.config.layers; i++) {
      past.keys[i] = out[presentKeyName(i)] as ort.Tensor;
      past.values[i] = out[presentValueName(i)] as ort.Tensor;
    }
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.release()));
    this.sessions.clear();
  }
}

/** Row `row` of h (1, S, D) as (1, 1, D), a view. */
export function hiddenRow(h: ort.Tensor, row: number): ort.Tensor {
  const d = Number(h.dims[2]);
  if (Number(h.dims[1]) === 1 && row === 0) return h;
  return new ort.Tensor('float32', (h.data as Float32Array).subarray(row * d, (row + 1) * d), [1, 1, d]);
}
