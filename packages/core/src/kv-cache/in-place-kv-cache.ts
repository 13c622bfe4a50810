import type { KvCacheDtype } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import type { KvCache, KvLayout } from './kv-cache.ts';

// The in-place KV kind: keys and values live in buffers this cache owns, (batch, kv_heads,
// capacity, head_dim) per layer, that the in-place graph (forge gpt2-graph.ts kvLayout 'in-place')
// reads as they are — onnxruntime-node takes a typed array as an input without copying it — with
// the slots past seqLength masked out. A step writes only its own S positions (append), so a
// decode step copies S · kv_heads · head_dim floats per layer instead of the whole cache twice.
// Caches made by crop and append share buffers: after an append, a longer cache that shares them
// is invalid (its slots past the appended one's start were overwritten). Every strategy drops the
// old cache when it appends, so the engine never reads one.

/** Capacity grows in chunks of this many positions: unfilled slots are still read (masked), and a grow copies the cache once. */
export const IN_PLACE_CHUNK = 64;

/** Per layer (batch, kv_heads, capacity, head_dim) float32, keys and values. */
class KvBuffers {
  constructor(
    readonly layout: KvLayout,
    readonly batch: number,
    readonly capacity: number,
    readonly keys: Float32Array[],
    readonly values: Float32Array[],
  ) {}

  static alloc(layout: KvLayout, batch: number, capacity: number): KvBuffers {
    const n = batch * layout.kvHeads * capacity * layout.headDim;
    const layers = () => Array.from({ length: layout.layers }, () => new Float32Array(n));
    return new KvBuffers(layout, batch, capacity, layers(), layers());
  }

  /** Offset of (row, head, position 0). */
  at(row: number, head: number): number {
    return (row * this.layout.kvHeads + head) * this.capacity * this.layout.headDim;
  }

  /** A copy where out row r, position padLeft + j is this row rows[r], position from + j (j < to − from); the rest zeros. */
  gather(rows: readonly number[], from: number, to: number, padLeft: number, capacity: number): KvBuffers {
    const out = KvBuffers.alloc(this.layout, rows.length, capacity);
    const hd = this.layout.headDim;
    const copy = (src: Float32Array, dst: Float32Array) =>
      rows.forEach((row, r) => {
        for (let h = 0; h < this.layout.kvHeads; h++) {
          const s = this.at(row, h) + from * hd;
          dst.set(src.subarray(s, s + (to - from) * hd), out.at(r, h) + padLeft * hd);
        }
      });
    for (const [i, k] of this.keys.entries()) copy(k, out.keys[i] as Float32Array);
    for (const [i, v] of this.values.entries()) copy(v, out.values[i] as Float32Array);
    return out;
  }
}

const capacityFor = (length: number) => Math.ceil(length / IN_PLACE_CHUNK) * IN_PLACE_CHUNK;

export class InPlaceKvCache implements KvCache {
  readonly dtype: KvCacheDtype = 'fp32';
  readonly scales = null;

  private constructor(
    private readonly buffers: KvBuffers,
    readonly seqLength: number,
  ) {}

  static empty(layout: KvLayout, batch: number): InPlaceKvCache {
    return new InPlaceKvCache(KvBuffers.alloc(layout, batch, 0), 0);
  }

  /** A cache holding copies of (batch, kv_heads, seq, head_dim) tensors (tests, and converting a TensorKvCache). */
  static fromTensors(keys: readonly ort.Tensor[], values: readonly ort.Tensor[]): InPlaceKvCache {
    const [batch, kvHeads, seq, headDim] = (keys[0] as ort.Tensor).dims.map(Number) as [number, number, number, number];
    const src = new KvBuffers({ layers: keys.length, kvHeads, headDim }, batch, seq, keys.map(float32), values.map(float32));
    const rows = Array.from({ length: batch }, (_, i) => i);
    return new InPlaceKvCache(src.gather(rows, 0, seq, 0, capacityFor(seq)), seq);
  }

  get batch(): number {
    return this.buffers.batch;
  }

  /** Positions the buffers hold before they must grow; the graph reads all of them. */
  get capacity(): number {
    return this.buffers.capacity;
  }

  get bytes(): number {
    const { layers, kvHeads, headDim } = this.buffers.layout;
    return layers * 2 * this.batch * kvHeads * this.seqLength * headDim * 4;
  }

  get keys(): ort.Tensor[] {
    return this.copyOut(this.buffers.keys);
  }

  get values(): ort.Tensor[] {
    return this.copyOut(this.buffers.values);
  }

  /** What the in-place graph reads: per layer (batch, kv_heads, capacity, head_dim) over the buffers themselves. */
  pastTensors(): { keys: ort.Tensor[]; values: ort.Tensor[] } {
    const { kvHeads, headDim } = this.buffers.layout;
    const dims = [this.batch, kvHeads, this.capacity, headDim];
    const wrap = (b: Float32Array) => new ort.Tensor('float32', b, dims);
    return { keys: this.buffers.keys.map(wrap), values: this.buffers.values.map(wrap) };
  }

  /** attention_mask (batch, seqLength + s) → (batch, capacity + s): the unfilled slots get 0. */
  widenMask(mask: BigInt64Array, s: number): BigInt64Array {
    const [L, C] = [this.seqLength, this.capacity];
    const out = new BigInt64Array(this.batch * (C + s));
    for (let b = 0; b < this.batch; b++) {
      out.set(mask.subarray(b * (L + s), b * (L + s) + L), b * (C + s));
      out.set(mask.subarray(b * (L + s) + L, (b + 1) * (L + s)), b * (C + s) + C);
    }
    return out;
  }

  /** Writes a step's keys/values (batch, kv_heads, s, head_dim) per layer after seqLength, growing the buffers when full. */
  append(freshKeys: readonly ort.Tensor[], freshValues: readonly ort.Tensor[]): InPlaceKvCache {
    const s = Number((freshKeys[0] as ort.Tensor).dims[2]);
    const L = this.seqLength;
    const rows = Array.from({ length: this.batch }, (_, i) => i);
    const buffers = L + s <= this.capacity ? this.buffers : this.buffers.gather(rows, 0, L, 0, capacityFor(L + s));
    const hd = buffers.layout.headDim;
    const write = (fresh: ort.Tensor, dst: Float32Array) => {
      const src = fresh.data as Float32Array;
      for (let r = 0; r < this.batch; r++) {
        for (let h = 0; h < buffers.layout.kvHeads; h++) {
          const from = (r * buffers.layout.kvHeads + h) * s * hd;
          dst.set(src.subarray(from, from + s * hd), buffers.at(r, h) + L * hd);
        }
      }
    };
    for (const [i, t] of freshKeys.entries()) write(t, buffers.keys[i] as Float32Array);
    for (const [i, t] of freshValues.entries()) write(t, buffers.values[i] as Float32Array);
    return new InPlaceKvCache(buffers, L + s);
  }

  /** O(1): the same buffers, fewer positions (the slots after `length` are overwritten by the next append). */
  crop(length: number): KvCache {
    if (length < 0 || length > this.seqLength) throw new RangeError(`crop to ${length} of a ${this.seqLength}-long cache`);
    return length === this.seqLength ? this : new InPlaceKvCache(this.buffers, length);
  }

  /**
   * A reorder of the same batch size (beam search) permutes rows inside the buffers, copying only
   * the rows whose source changes (this cache and those sharing its buffers see the new order);
   * other row sets (expansion, leaving requests) get new buffers.
   */
  selectRows(rows: readonly number[]): KvCache {
    for (const r of rows) if (r < 0 || r >= this.batch) throw new RangeError(`row ${r} of a batch of ${this.batch}`);
    if (rows.length !== this.batch)
      return new InPlaceKvCache(this.buffers.gather(rows, 0, this.seqLength, 0, this.capacity), this.seqLength);
    const moved = rows.flatMap((src, dst) => (src === dst ? [] : [dst]));
    if (moved.length === 0) return this;
    const sources = [...new Set(moved.map((dst) => rows[dst] as number))];
    const saved = this.buffers.gather(sources, 0, this.seqLength, 0, this.seqLength); // the source rows, before any is overwritten
    const hd = this.buffers.layout.headDim;
    const n = this.seqLength * hd;
    const place = (from: Float32Array, to: Float32Array) => {
      for (const dst of moved) {
        const r = sources.indexOf(rows[dst] as number);
        for (let h = 0; h < this.buffers.layout.kvHeads; h++)
          to.set(from.subarray(saved.at(r, h), saved.at(r, h) + n), this.buffers.at(dst, h));
      }
    };
    for (const [i, k] of saved.keys.entries()) place(k, this.buffers.keys[i] as Float32Array);
    for (const [i, v] of saved.values.entries()) place(v, this.buffers.values[i] as Float32Array);
    return new InPlaceKvCache(this.buffers, this.seqLength);
  }

  padLeft(n: number): KvCache {
    const L = this.seqLength;
    return n === 0 ? this : new InPlaceKvCache(this.buffers.gather(this.allRows(), 0, L, n, capacityFor(L + n)), L + n);
  }

  trimLeft(n: number): KvCache {
    const L = this.seqLength;
    return n === 0 ? this : new InPlaceKvCache(this.buffers.gather(this.allRows(), n, L, 0, capacityFor(L - n)), L - n);
  }

  concatRows(others: readonly KvCache[]): KvCache {
    const caches = [this, ...others];
    for (const c of caches) {
      if (!(c instanceof InPlaceKvCache)) throw new RangeError('concatRows: caches of different kinds');
      if (c.seqLength !== this.seqLength) throw new RangeError(`concatRows: lengths ${c.seqLength} and ${this.seqLength} differ`);
    }
    const L = this.seqLength;
    const parts = (caches as InPlaceKvCache[]).map((c) => c.buffers.gather(c.allRows(), 0, L, 0, capacityFor(L)));
    const { layout } = this.buffers;
    const stack = (pick: (b: KvBuffers) => Float32Array[]) =>
      Array.from({ length: layout.layers }, (_, i) => {
        const out = new Float32Array(parts.reduce((n, p) => n + (pick(p)[i] as Float32Array).length, 0));
        let offset = 0;
        for (const p of parts) {
          out.set(pick(p)[i] as Float32Array, offset);
          offset += (pick(p)[i] as Float32Array).length;
        }
        return out;
      });
    const batch = parts.reduce((n, p) => n + p.batch, 0);
    return new InPlaceKvCache(
      new KvBuffers(
        layout,
        batch,
        capacityFor(L),
        stack((b) => b.keys),
        stack((b) => b.values),
      ),
      L,
    );
  }

  private allRows(): number[] {
    return Array.from({ length: this.batch }, (_, i) => i);
  }

  /** (batch, kv_heads, seqLength, head_dim) copies of the filled slots. */
  private copyOut(buffers: Float32Array[]): ort.Tensor[] {
    const { kvHeads, headDim } = this.buffers.layout;
    const view = new KvBuffers(this.buffers.layout, this.batch, this.capacity, buffers, buffers);
    const filled = view.gather(this.allRows(), 0, this.seqLength, 0, this.seqLength);
    return filled.keys.map((k) => new ort.Tensor('float32', k, [this.batch, kvHeads, this.seqLength, headDim]));
  }
}

function float32(t: ort.Tensor): Float32Array {
  if (t.type !== 'float32') throw new TypeError(`the in-place KV cache holds float32, got ${t.type}`);
  return t.data as Float32Array;
}
