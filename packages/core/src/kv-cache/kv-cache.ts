import type { KvCacheDtype } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { gatherKv, kvTensorBytes, stackRows } from './kv-tensor-ops.ts';

const FLOAT32_BYTES = 4;

/** The shape a cache is built for (runtime's DecoderConfig has it): layers × (batch, kvHeads, seq, headDim) for K and V. */
export type KvLayout = { layers: number; kvHeads: number; headDim: number };

/** An int8 cache's per-layer float32 scales (batch, kv_heads, seq, 1) of its keys and values. */
export type KvScales = { keys: ort.Tensor[]; values: ort.Tensor[] };

/**
 * Past keys and values of every layer, as the graph returned them: (batch, kv_heads, seq, head_dim),
 * float32, or int8 with `scales` (the forge int8-KV graphs). Every operation treats the scales as
 * one more (…, seq, 1) tensor per layer, so the strategies never see the dtype.
 * Immutable: every operation returns a new cache (the tensors of the old one stay valid).
 */
export class KvCache {
  constructor(
    readonly keys: ort.Tensor[],
    readonly values: ort.Tensor[],
    readonly seqLength: number,
    readonly scales: KvScales | null = null,
  ) {}

  /** Zero-length past, fed on the first step (Optimum's convention). */
  static empty(config: KvLayout, batch: number, dtype: KvCacheDtype = 'fp32'): KvCache {
    const layers = (last: number, type: 'float32' | 'int8') =>
      Array.from({ length: config.layers }, () =>
        type === 'int8'
          ? new ort.Tensor('int8', new Int8Array(0), [batch, config.kvHeads, 0, last])
          : new ort.Tensor('float32', new Float32Array(0), [batch, config.kvHeads, 0, last]),
      );
    if (dtype === 'fp32') return new KvCache(layers(config.headDim, 'float32'), layers(config.headDim, 'float32'), 0);
    const scales = { keys: layers(1, 'float32'), values: layers(1, 'float32') };
    return new KvCache(layers(config.headDim, 'int8'), layers(config.headDim, 'int8'), 0, scales);
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

  private map(rows: readonly number[], from: number, to: number, padLeft: number): KvCache {
    // Padded positions: int8 code 0 with scale 0 dequantize to 0, like the float32 zeros.
    const f = (t: ort.Tensor) => gatherKv(t, rows, from, to, padLeft);
    const scales = this.scales === null ? null : { keys: this.scales.keys.map(f), values: this.scales.values.map(f) };
    return new KvCache(this.keys.map(f), this.values.map(f), padLeft + to - from, scales);
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

  /** Stacks caches of equal length and dtype along the batch dimension (a request joining a running batch). */
  static concatRows(caches: readonly KvCache[]): KvCache {
    const first = caches[0];
    if (first === undefined) throw new RangeError('concatRows of no caches');
    for (const c of caches) {
      if (c.seqLength !== first.seqLength) throw new RangeError(`concatRows: lengths ${c.seqLength} and ${first.seqLength} differ`);
      if (c.dtype !== first.dtype) throw new RangeError(`concatRows: dtypes ${c.dtype} and ${first.dtype} differ`);
    }
    const stack = (pick: (c: KvCache) => ort.Tensor[]) => pick(first).map((_, i) => stackRows(caches.map((c) => pick(c)[i] as ort.Tensor)));
    const scales =
      first.scales === null
        ? null
        : { keys: stack((c) => (c.scales as KvScales).keys), values: stack((c) => (c.scales as KvScales).values) };
    return new KvCache(
      stack((c) => c.keys),
      stack((c) => c.values),
      first.seqLength,
      scales,
    );
  }
}

/** The docs/metrics.md formula, for a sequence the cache has not reached yet (int8: codes + one float32 scale per row). */
export function kvCacheBytes(config: KvLayout, batch: number, seq: number, dtype: KvCacheDtype = 'fp32'): number {
  const perToken = dtype === 'int8' ? config.headDim + FLOAT32_BYTES : config.headDim * FLOAT32_BYTES;
  return config.layers * 2 * batch * config.kvHeads * seq * perToken;
}
