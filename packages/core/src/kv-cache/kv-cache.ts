import * as ort from 'onnxruntime-node';
import type { DecoderConfig } from '../runtime/decoder-config.ts';
import { gatherKv, stackRows } from './kv-tensor-ops.ts';

const FLOAT32_BYTES = 4;

/**
 * Past keys and values of every layer, as the graph returned them: (batch, kv_heads, seq, head_dim).
 * Immutable: every operation returns a new cache (the tensors of the old one stay valid).
 */
export class KvCache {
  constructor(
    readonly keys: ort.Tensor[],
    readonly values: ort.Tensor[],
    readonly seqLength: number,
  ) {}

  /** Zero-length past, fed on the first step (Optimum's convention). */
  static empty(config: DecoderConfig, batch: number): KvCache {
    const dims = [batch, config.kvHeads, 0, config.headDim];
    const make = () => new ort.Tensor('float32', new Float32Array(0), dims);
    return new KvCache(Array.from({ length: config.layers }, make), Array.from({ length: config.layers }, make), 0);
  }

  get batch(): number {
    return Number(this.keys[0]?.dims[0] ?? 0);
  }

  /** Bytes held by the cache: layers × 2 × batch × kv_heads × seq × head_dim × 4. */
  get bytes(): number {
    let total = 0;
    for (const t of this.keys) total += t.size * FLOAT32_BYTES;
    for (const t of this.values) total += t.size * FLOAT32_BYTES;
    return total;
  }

  private map(rows: readonly number[], from: number, to: number, padLeft: number): KvCache {
    const f = (t: ort.Tensor) => gatherKv(t, rows, from, to, padLeft);
    return new KvCache(this.keys.map(f), this.values.map(f), padLeft + to - from);
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

  /** Stacks caches of equal length along the batch dimension (a request joining a running batch). */
  static concatRows(caches: readonly KvCache[]): KvCache {
    const first = caches[0];
    if (first === undefined) throw new RangeError('concatRows of no caches');
    for (const c of caches) {
      if (c.seqLength !== first.seqLength) throw new RangeError(`concatRows: lengths ${c.seqLength} and ${first.seqLength} differ`);
    }
    const layer = (pick: (c: KvCache) => ort.Tensor[], i: number) => stackRows(caches.map((c) => pick(c)[i] as ort.Tensor));
    return new KvCache(
      first.keys.map((_, i) => layer((c) => c.keys, i)),
      first.values.map((_, i) => layer((c) => c.values, i)),
      first.seqLength,
    );
  }
}

/** The METRICS.md formula, for a sequence the cache has not reached yet. */
export function kvCacheBytes(config: DecoderConfig, batch: number, seq: number, bytesPerValue = FLOAT32_BYTES): number {
  return config.layers * 2 * batch * config.kvHeads * seq * config.headDim * bytesPerValue;
}
