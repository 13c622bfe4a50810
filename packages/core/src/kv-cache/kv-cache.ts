import type { KvCacheDtype } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { gatherKv, kvTensorBytes, stackRows } from './kv-tensor-ops.ts';

const FLOAT32_BYTES = 4;

/** The shape a cache is built for (runtime's DecoderConfig has it): layers × (batch, kvHeads, seq, headDim) for K and V. */
export type KvLayout = { layers: number; kvHeads: number; headDim: number };

/** An int8 cache's per-layer float32 scales (batch, kv_heads, seq, 1) of its keys and values. */
export type KvScales = { keys: ort.Tensor[]; values: ort.Tensor[] };

/**
 * Past keys and values of every layer, (batch, kv_heads, seq, head_dim): what strategies and the
 * batching loops hold between forwards, and the operations they need. Two kinds: TensorKvCache
 * (the graph's present tensors, immutable) and InPlaceKvCache (caller-owned buffers that the
 * in-place graph reads and the session appends to, in-place-kv-cache.ts).
 */
export interface KvCache {
  readonly seqLength: number;
  readonly dtype: KvCacheDtype;
  readonly batch: number;
  /** Bytes of the `seqLength` positions held (the docs/metrics.md formula). */
  readonly bytes: number;
  /** Per layer (batch, kv_heads, seq, head_dim); an in-place cache copies them out (inspection, tests). */
  readonly keys: ort.Tensor[];
  readonly values: ort.Tensor[];
  /** int8: per-layer float32 scales (batch, kv_heads, seq, 1); fp32: null. */
  readonly scales: KvScales | null;
  /** The first `length` positions: speculative decoding's rollback of rejected draft tokens. */
  crop(length: number): KvCache;
  /** Rows picked (and repeated) by index: beam search's reorder, batch expansion, leaving requests. */
  selectRows(rows: readonly number[]): KvCache;
  /** `n` zero positions prepended (masked out by attention_mask): aligning rows of a left-padded batch. */
  padLeft(n: number): KvCache;
  /** Drops the first `n` positions (columns every row masks out once the rows that needed them left). */
  trimLeft(n: number): KvCache;
  /** This cache's rows, then `others`' (same kind, length and dtype): a request joining a running batch. */
  concatRows(others: readonly KvCache[]): KvCache;
}

export const KvCache = {
  /** Zero-length past of the graph-tensor kind, fed on the first step (Optimum's convention). */
  empty: (config: KvLayout, batch: number, dtype: KvCacheDtype = 'fp32'): KvCache => TensorKvCache.empty(config, batch, dtype),
  /** Stacks caches of one kind, equal length and dtype along the batch dimension. */
  concatRows(caches: readonly KvCache[]): KvCache {
    const [first, ...others] = caches;
    if (first === undefined) throw new RangeError('concatRows of no caches');
    return first.concatRows(others);
  },
};

/**
 * The graph's own tensors: (batch, kv_heads, seq, head_dim), float32, or int8 with `scales` (the
 * forge int8-KV graphs). Every operation treats the scales as one more (…, seq, 1) tensor per
 * layer, so the strategies never see the dtype.
 * Immutable: every operation returns a new cache (the tensors of the old one stay valid).
 */
export class TensorKvCache implements KvCache {
  constructor(
    readonly keys: ort.Tensor[],
    readonly values: ort.Tensor[],
    readonly seqLength: number,
    readonly scales: KvScales | null = null,
  ) {}

  /** Zero-length past, fed on the first step (Optimum's convention). */
  static empty(config: KvLayout, batch: number, dtype: KvCacheDtype = 'fp32'): TensorKvCache {
    const layers = (last: number, type: 'float32' | 'int8') =>
      Array.from({ length: config.layers }, () =>
        type === 'int8'
          ? new ort.Tensor('int8', new Int8Array(0), [batch, config.kvHeads, 0, last])
          : new ort.Tensor('float32', new Float32Array(0), [batch, config.kvHeads, 0, last]),
      );
    if (dtype === 'fp32') return new TensorKvCache(layers(config.headDim, 'float32'), layers(config.headDim, 'float32'), 0);
    const scales = { keys: layers(1, 'float32'), values: layers(1, 'float32') };
    return new TensorKvCache(layers(config.headDim, 'int8'), layers(config.headDim, 'int8'), 0, scales);
  }

  get dtype(): KvCacheDtype {
    return this.scales === null ? 'fp32' : 'int8';
  }

  get batch(): number {
    return Number(this.keys[0]?.dims[0] ?? 0);
  }

  /** Bytes held: layers × 2 × batch × kv_heads × seq × (head_dim × 4), or × (head_dim × 1 + 4) for int8 + scales. */
  get bytes(): number {
    let total = 0;
    for (const t of this.tensors()) total += kvTensorBytes(t);
    return total;
  }

  private tensors(): ort.Tensor[] {
    return [...this.keys, ...this.values, ...(this.scales?.keys ?? []), ...(this.scales?.values ?? [])];
  }

  private map(rows: readonly number[], from: number, to: number, padLeft: number): TensorKvCache {
    // Padded positions: int8 code 0 with scale 0 dequantize to 0, like the float32 zeros.
    const f = (t: ort.Tensor) => gatherKv(t, rows, from, to, padLeft);
    const scales = this.scales === null ? null : { keys: this.scales.keys.map(f), values: this.scales.values.map(f) };
    return new TensorKvCache(this.keys.map(f), this.values.map(f), padLeft + to - from, scales);
  }

  private allRows(): number[] {
    return Array.from({ length: this.batch }, (_, i) => i);
  }

  /** The first `length` positions: speculative decoding's rollback of rejected draft tokens. */
  crop(length: number): KvCache {
    if (length < 0 || length > this.seqLength) throw new RangeError(`crop to ${length} of a ${this.seqLength}-long cache`);
    return length === this.seqLength ? this : this.map(this.allRows(), 0, length, 0);
  }

  /** Rows picked (and repeated) by index: beam search's reorder, batch expansion, leaving requests. */
  selectRows(rows: readonly number[]): KvCache {
    for (const r of rows) if (r < 0 || r >= this.batch) throw new RangeError(`row ${r} of a batch of ${this.batch}`);
    return this.map(rows, 0, this.seqLength, 0);
  }

  /** `n` zero positions prepended (masked out by attention_mask): aligning rows of a left-padded batch. */
  padLeft(n: number): KvCache {
    return n === 0 ? this : this.map(this.allRows(), 0, this.seqLength, n);
  }

  /** Drops the first `n` positions (columns every row masks out once the rows that needed them left). */
  trimLeft(n: number): KvCache {
    return n === 0 ? this : this.map(this.allRows(), n, this.seqLength, 0);
  }

  concatRows(others: readonly KvCache[]): TensorKvCache {
    const caches = [this, ...others];
    for (const c of caches) {
      if (!(c instanceof TensorKvCache)) throw new RangeError('concatRows: caches of different kinds');
      if (c.seqLength !== this.seqLength) throw new RangeError(`concatRows: lengths ${c.seqLength} and ${this.seqLength} differ`);
      if (c.dtype !== this.dtype) throw new RangeError(`concatRows: dtypes ${c.dtype} and ${this.dtype} differ`);
    }
    const stack = (pick: (c: KvCache) => ort.Tensor[]) => pick(this).map((_, i) => stackRows(caches.map((c) => pick(c)[i] as ort.Tensor)));
    const scales =
      this.scales === null
        ? null
        : { keys: stack((c) => (c.scales as KvScales).keys), values: stack((c) => (c.scales as KvScales).values) };
    return new TensorKvCache(
      stack((c) => c.keys),
      stack((c) => c.values),
      this.seqLength,
      scales,
    );
  }
}

/** The docs/metrics.md formula, for a sequence the cache has not reached yet (int8: codes + one float32 scale per row). */
export function kvCacheBytes(config: KvLayout, batch: number, seq: number, dtype: KvCacheDtype = 'fp32'): number {
  const perToken = dtype === 'int8' ? config.headDim + FLOAT32_BYTES : config.headDim * FLOAT32_BYTES;
  return config.layers * 2 * batch * config.kvHeads * seq * perToken;
}
