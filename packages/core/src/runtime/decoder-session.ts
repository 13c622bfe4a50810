import { type Device, type KvCacheDtype, PermanentError, RetryableError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { InPlaceKvCache } from '../kv-cache/in-place-kv-cache.ts';
import { KvCache, type KvScales, TensorKvCache } from '../kv-cache/kv-cache.ts';
import type { DecoderConfig } from './decoder-config.ts';
import { ExecutionProviderError, type OrtBackend, ortBackendFor, providerFix } from './execution-provider.ts';
import {
  ATTENTION_MASK,
  freshKeyName,
  freshKeyScaleName,
  freshValueName,
  freshValueScaleName,
  INPUT_IDS,
  LOGITS,
  NUM_LOGITS_TO_KEEP,
  POSITION_IDS,
  pastKeyName,
  pastKeyScaleName,
  pastValueName,
  pastValueScaleName,
  presentKeyName,
  presentKeyScaleName,
  presentValueName,
  presentValueScaleName,
  USE_CACHE_BRANCH,
} from './io-names.ts';
import { graphWithLogitsToKeep } from './load-graph.ts';

/** Where onnxruntime runs the graph: a matrix device (experiments' DEVICES). */
export type ExecutionProvider = Device;

export type SessionOptions = {
  /** intraOpNumThreads; 0 lets onnxruntime decide. */
  threads: number;
  executionProvider: ExecutionProvider;
  /** onnxruntime's provider, pinned (a GPU check trying each); default: chosen for the device (execution-provider.ts). */
  backend?: OrtBackend | undefined;
  /** Profile every kernel into <prefix>_<time>.json (provider-placement.ts); never for measured cells. */
  profileFilePrefix?: string | undefined;
};

export class SessionLoadError extends RetryableError {
  override name = 'SessionLoadError';
}

/** A cache of the other dtype fed to a graph (an int8-KV graph's cache to a float32 one, or back). */
export class KvCacheDtypeError extends PermanentError {
  override name = 'KvCacheDtypeError';
}

export type ForwardInput = {
  batch: number;
  seq: number;
  inputIds: BigInt64Array; // (batch, seq)
  attentionMask: BigInt64Array; // (batch, past + seq)
  positionIds: BigInt64Array; // (batch, seq)
  past: KvCache; // per layer (batch, kv_heads, past, head_dim)
  /** Logits for the last k positions of each row only (0 or absent: all `seq`). */
  logitsToKeep?: number;
};

export type ForwardOutput = {
  logits: Float32Array; // (batch, rows, vocab): rows = min(logitsToKeep, seq), or seq when 0/absent
  /** Logit rows per batch row: the last `rows` positions of the step. */
  rows: number;
  present: KvCache; // per layer (batch, kv_heads, past + seq, head_dim)
};

/** One onnxruntime session over a decoder graph with Optimum's I/O names. */
export class DecoderSession {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly config: DecoderConfig,
    readonly file: string,
    readonly options: SessionOptions,
    /** The provider the session was created on, alone: onnxruntime had no other to fall back to. */
    readonly backend: OrtBackend,
  ) {
    // A graph with scale inputs stores its cache int8 (forge's int8-KV graphs, gpt2-kv-int8.ts).
    this.kvCacheDtype = session.inputNames.includes(pastKeyScaleName(0)) ? 'int8' : 'fp32';
    this.keepsLogits = session.inputNames.includes(NUM_LOGITS_TO_KEEP);
    // A graph returning fresh.* reads its past from the caller's buffers (forge kvLayout 'in-place').
    this.kvLayout = session.outputNames.includes(freshKeyName(0)) ? 'in-place' : 'concat';
    this.mergedDecoder = session.inputNames.includes(USE_CACHE_BRANCH);
  }

  /** Optimum's merged decoder: fed `use_cache_branch` (false at the first step, true after). */
  readonly mergedDecoder: boolean;

  /** 'in-place': the cache is an InPlaceKvCache the graph reads without copies; 'concat': the graph's present tensors. */
  readonly kvLayout: 'concat' | 'in-place';

  /** The graph computes logits only for the rows asked (forge graphs, and others rewritten at load: load-graph.ts). */
  readonly keepsLogits: boolean;

  readonly kvCacheDtype: KvCacheDtype;

  static async load(file: string, config: DecoderConfig, options: SessionOptions): Promise<DecoderSession> {
    const backend = ortBackendFor(options.executionProvider, options.backend);
    try {
      const graph = await graphWithLogitsToKeep(file);
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        // The one provider, no CPU listed after it: a GPU cell must not quietly run on the CPU.
        executionProviders: [backend],
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        ...(options.profileFilePrefix === undefined ? {} : { enableProfiling: true, profileFilePrefix: options.profileFilePrefix }),
      };
      const session =
        typeof graph === 'string'
          ? await ort.InferenceSession.create(graph, sessionOptions)
          : await ort.InferenceSession.create(graph, sessionOptions);
      return new DecoderSession(session, config, file, options, backend);
    } catch (cause) {
      throw sessionLoadError(`cannot load ${file}`, options.executionProvider, backend, cause);
    }
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { batch, seq } = input;
    const pastLen = input.past.seqLength;
    // In place, the graph sees capacity + seq positions: kept within the model's positions (fitSpan).
    const inPlace = input.past instanceof InPlaceKvCache ? input.past.fitSpan(this.config.maxPositions, seq) : null;
    if ((inPlace !== null) !== (this.kvLayout === 'in-place')) {
      throw new KvCacheDtypeError(
        `graph ${this.file} keeps a ${this.kvLayout} KV cache, got ${inPlace === null ? 'a tensor' : 'an in-place'} cache`,
      );
    }
    const feeds: Record<string, ort.Tensor> = {
      [INPUT_IDS]: new ort.Tensor('int64', input.inputIds, [batch, seq]),
      [ATTENTION_MASK]:
        inPlace === null
          ? new ort.Tensor('int64', input.attentionMask, [batch, pastLen + seq])
          : new ort.Tensor('int64', inPlace.widenMask(input.attentionMask, seq), [batch, inPlace.capacity + seq]),
      [POSITION_IDS]: new ort.Tensor('int64', input.positionIds, [batch, seq]),
    };
    const keep = this.keepsLogits ? Math.min(input.logitsToKeep ?? 0, seq) : 0;
    // In place the past is the buffer: its branch whenever it has slots (their masked ones included).
    const pastSlots = inPlace === null ? pastLen : inPlace.capacity;
    if (this.mergedDecoder) feeds[USE_CACHE_BRANCH] = new ort.Tensor('bool', Uint8Array.of(pastSlots > 0 ? 1 : 0), [1]);
    if (this.keepsLogits) feeds[NUM_LOGITS_TO_KEEP] = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []);
    if (input.past.dtype !== this.kvCacheDtype) {
      throw new KvCacheDtypeError(`graph ${this.file} keeps its KV cache as ${this.kvCacheDtype}, got a ${input.past.dtype} cache`);
    }
    const past = inPlace === null ? input.past : inPlace.pastTensors(); // in place: the buffers themselves, no copy
    for (let i = 0; i < this.config.layers; i++) {
      feeds[pastKeyName(i)] = past.keys[i] as ort.Tensor;
      feeds[pastValueName(i)] = past.values[i] as ort.Tensor;
    }
    const scales = past.scales;
    if (scales !== null) {
      for (let i = 0; i < this.config.layers; i++) {
        feeds[pastKeyScaleName(i)] = scales.keys[i] as ort.Tensor;
        feeds[pastValueScaleName(i)] = scales.values[i] as ort.Tensor;
      }
    }
    const out = await this.session.run(feeds);
    const logits = out[LOGITS];
    if (!logits) throw new Error(`graph ${this.file} has no output ${LOGITS}`);
    const keys: ort.Tensor[] = [];
    const values: ort.Tensor[] = [];
    const [keyName, valueName] = inPlace === null ? [presentKeyName, presentValueName] : [freshKeyName, freshValueName];
    for (let i = 0; i < this.config.layers; i++) {
      const k = out[keyName(i)];
      const v = out[valueName(i)];
      if (!k || !v) throw new Error(`graph ${this.file} has no output ${keyName(i)}/${valueName(i)}`);
      keys.push(k);
      values.push(v);
    }
    const scaleNames: ScaleNames =
      inPlace === null ? [presentKeyScaleName, presentValueScaleName] : [freshKeyScaleName, freshValueScaleName];
    const outScales = this.kvCacheDtype === 'int8' ? readScales(out, this.config.layers, this.file, scaleNames) : null;
    return {
      logits: logits.data as Float32Array,
      rows: keep === 0 ? seq : keep,
      present: inPlace === null ? new TensorKvCache(keys, values, pastLen + seq, outScales) : inPlace.append(keys, values, outScales),
    };
  }

  emptyCache(batch: number): KvCache {
    if (this.kvLayout === 'in-place') return InPlaceKvCache.empty(this.config, batch, this.kvCacheDtype);
    return KvCache.empty(this.config, batch, this.kvCacheDtype);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Why a session could not be created: on a GPU provider (no library, no adapter) the same on every
 * retry here, so permanent, with the fix; on the CPU retryable (memory, a file being replaced).
 */
export function sessionLoadError(what: string, device: ExecutionProvider, backend: OrtBackend, cause: unknown): Error {
  const message = `${what} on onnxruntime's ${backend} provider`;
  const detail = (cause as Error)?.message ?? String(cause);
  if (backend === 'cpu') return new SessionLoadError(`${message}: ${detail}`, { cause });
  const fix = `a ${device} cell does not fall back to the CPU; ${providerFix(backend)}`;
  return new ExecutionProviderError(`${message} (${fix}): ${detail}`, { cause });
}

type ScaleNames = readonly [key: (layer: number) => string, value: (layer: number) => string];

/** The int8 cache's scales of every layer: present (batch, kv_heads, past + seq, 1), or in place the fresh (…, seq, 1). */
function readScales(out: ort.InferenceSession.ReturnType, layers: number, file: string, [keyName, valueName]: ScaleNames): KvScales {
  const keys: ort.Tensor[] = [];
  const values: ort.Tensor[] = [];
  for (let i = 0; i < layers; i++) {
    const k = out[keyName(i)];
    const v = out[valueName(i)];
    if (!k || !v) throw new Error(`graph ${file} has no output ${keyName(i)}/${valueName(i)}`);
    keys.push(k);
    values.push(v);
  }
  return { keys, values };
}
