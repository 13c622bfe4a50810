import type { KvCacheDtype } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { type KvCache, type KvLayout, type KvScales, kvCacheBytes } from './kv-cache.ts';

// The in-place KV kind: keys and values live in buffers this cache owns, (batch, kv_heads,
// capacity, head_dim) per layer, that the in-place graph (forge gpt2-graph.ts / llama-graph.ts
// kvLayout 'in-place') reads as they are — onnxruntime-node takes a typed array as an input without
// copying it — with the slots past seqLength masked out. A step writes only its own S positions
// (append), so a decode step copies S · kv_heads · head_dim values per layer instead of the whole
// cache twice. An int8 cache holds int8 codes plus a float32 scale per (row, head, position),
// (batch, kv_heads, capacity, 1): every operation moves the scales with their codes.
// Caches made by crop and append share buffers: after an append, a longer cache that shares them
// is invalid (its slots past the appended one's start were overwritten). Every strategy drops the
// old cache when it appends, so the engine never reads one.

/** Capacity grows in chunks of this many positions: unfilled slots are still read (masked), and a grow copies the cache once. */
export const IN_PLACE_CHUNK = 64;

type Values = Float32Array | Int8Array;
/** One tensor per layer, `width` values per (row, head, position): codes or floats (head_dim), or scales (1). */
type Plane = { type: 'float32' | 'int8'; width: number; layers: Values[] };

/** Per layer (batch, kv_heads, capacity, width) per plane: keys, values, then (int8) key and value scales. */
class KvBuffers {
  constructor(
    readonly layout: KvLayout,
    readonly batch: number,
    readonly capacity: number,
    readonly planes: readonly Plane[],
  ) {}

  static alloc(layout: KvLayout, batch: number, capacity: number, kinds: readonly Omit<Plane, 'layers'>[]): KvBuffers {
    const planes = kinds.map(({ type, width }) => {
      const n = batch * layout.kvHeads * capacity * width;
      return {
        type,
        width,
        layers: Array.from({ length: layout.layers }, () => (type === 'int8' ? new Int8Array(n) : new Float32Array(n))),
      };
    });
    return new KvBuffers(layout, batch, capacity, planes);
  }

  get kinds(): Omit<Plane, 'layers'>[] {
    return this.planes.map(({ type, width }) => ({ type, width }));
  }

  /** Offset of (row, head, position 0) in a plane of `width`. */
  at(row: number, head: number, width: number): number {
    return (row * this.layout.kvHeads + head) * this.capacity * width;
  }

  /** A copy where out row r, position padLeft + j is this row rows[r], position from + j (j < to − from); the rest zeros. */
  gather(rows: readonly number[], from: number, to: number, padLeft: number, capacity: number): KvBuffers {
    const out = KvBuffers.alloc(this.layout, rows.length, capacity, this.kinds);
    for (const [p, plane] of this.planes.entries()) {
      const w = plane.width;
      for (const [i, src] of plane.layers.entries()) {
        const dst = (out.planes[p] as Plane).layers[i] as Values;
        rows.forEach((row, r) => {
          for (let h = 0; h < this.layout.kvHeads; h++) {
            const s = this.at(row, h, w) + from * w;
            dst.set(src.subarray(s, s + (to - from) * w), out.at(r, h, w) + padLeft * w);
          }
        });
      }
    }
    return out;
  }
}

const capacityFor = (length: number) => Math.ceil(length / IN_PLACE_CHUNK) * IN_PLACE_CHUNK;
const kindsOf = (layout: KvLayout, dtype: KvCacheDtype): Omit<Plane, 'layers'>[] =>
  dtype === 'int8'
    ? [
        { type: 'int8', width: layout.headDim },
        { type: 'int8', width: layout.headDim },
        { type: 'float32', width: 1 },
        { type: 'float32', width: 1 },
      ]
    : [
        { type: 'float32', width: layout.headDim },
        { type: 'float32', width: layout.headDim },
      ];

export class InPlaceKvCache implements KvCache {
  private constructor(
    private readonly buffers: KvBuffers,
    readonly seqLength: number,
  ) {}

  static empty(layout: KvLayout, batch: number, dtype: KvCacheDtype = 'fp32'): InPlaceKvCache {
    return new InPlaceKvCache(KvBuffers.alloc(layout, batch, 0, kindsOf(layout, dtype)), 0);
  }

  /** A cache holding copies of (batch, kv_heads, seq, head_dim) tensors and, int8, their scales (tests, and converting a TensorKvCache). */
  static fromTensors(keys: readonly ort.Tensor[], values: readonly ort.Tensor[], scales: KvScales | null = null): InPlaceKvCache {
    const [batch, kvHeads, seq, headDim] = (keys[0] as ort.Tensor).dims.map(Number) as [number, number, number, number];
    const layout = { layers: keys.length, kvHeads, headDim };
    const dtype = scales === null ? 'fp32' : 'int8';
    const tensors = scales === null ? [keys, values] : [keys, values, scales.keys, scales.values];
    const planes = kindsOf(layout, dtype).map((kind, p) => ({
      ...kind,
      layers: (tensors[p] as ort.Tensor[]).map((t) => typed(t, kind.type)),
    }));
    const rows = Array.from({ length: batch }, (_, i) => i);
    return new InPlaceKvCache(new KvBuffers(layout, batch, seq, planes).gather(rows, 0, seq, 0, capacityFor(seq)), seq);
  }

  get dtype(): KvCacheDtype {
    return this.buffers.planes.length === 4 ? 'int8' : 'fp32';
  }

  get batch(): number {
    return this.buffers.batch;
  }

  /** Positions the buffers hold before they must grow; the graph reads all of them. */
  get capacity(): number {
    return this.buffers.capacity;
  }

  get bytes(): number {
    return kvCacheBytes(this.buffers.layout, this.batch, this.seqLength, this.dtype);
  }

  get keys(): ort.Tensor[] {
    return this.copyOut(0);
  }

  get values(): ort.Tensor[] {
    return this.copyOut(1);
  }

  get scales(): KvScales | null {
    return this.dtype === 'int8' ? { keys: this.copyOut(2), values: this.copyOut(3) } : null;
  }

  /** What the in-place graph reads: per layer (batch, kv_heads, capacity, head_dim or 1) over the buffers themselves. */
  pastTensors(): { keys: ort.Tensor[]; values: ort.Tensor[]; scales: KvScales | null } {
    const { kvHeads } = this.buffers.layout;
    const wrap = (p: number) => {
      const plane = this.buffers.planes[p] as Plane;
      return plane.layers.map((b) => new ort.Tensor(plane.type, b, [this.batch, kvHeads, this.capacity, plane.width]));
    };
    return { keys: wrap(0), values: wrap(1), scales: this.dtype === 'int8' ? { keys: wrap(2), values: wrap(3) } : null };
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

  /**
   * Writes a step's keys/values (batch, kv_heads, s, head_dim) per layer — and, int8, their scales
   * (batch, kv_heads, s, 1) — after seqLength, growing the buffers when full.
   */
  append(freshKeys: readonly ort.Tensor[], freshValues: readonly ort.Tensor[], freshScales: KvScales | null = null): InPlaceKvCache {
    if ((freshScales !== null) !== (this.dtype === 'int8')) {
      throw new TypeError(
        `an ${this.dtype} in-place cache appends ${this.dtype === 'int8' ? 'codes with scales' : 'float32 without scales'}`,
      );
    }
    const s = Number((freshKeys[0] as ort.Tensor).dims[2]);
    const L = this.seqLength;
    const rows = Array.from({ length: this.batch }, (_, i) => i);
    const buffers = L + s <= this.capacity ? this.buffers : this.buffers.gather(rows, 0, L, 0, capacityFor(L + s));
    const fresh = freshScales === null ? [freshKeys, freshValues] : [freshKeys, freshValues, freshScales.keys, freshScales.values];
    for (const [p, plane] of buffers.planes.entries()) {
      const w = plane.width;
      for (const [i, t] of (fresh[p] as readonly ort.Tensor[]).entries()) {
        const src = typed(t, plane.type);
        const dst = plane.layers[i] as Values;
        for (let r = 0; r < this.batch; r++) {
          for (let h = 0; h < buffers.layout.kvHeads; h++) {
            const from = (r * buffers.layout.kvHeads + h) * s * w;
            dst.set(src.subarray(from, from + s * w), buffers.at(r, h, w) + L * w);
          }
        }
      }
    }
    return new InPlaceKvCache(buffers, L + s);
  }

  /**
   * A cache whose graph input spans at most `span` positions with `s` fresh ones: capacity + s ≤ span.
   * A graph that slices a fixed-size causal mask to capacity + s (a hub GPT-2's `bias` of n_positions)
   * cannot take more; near the end of the context a full buffer is copied once into a tighter one.
   */
  fitSpan(span: number, s: number): InPlaceKvCache {
    const L = this.seqLength;
    // Past the model's positions no capacity helps: the graph says so itself, as it does without a cache.
    if (this.capacity + s <= span || L + s > span) return this;
    return new InPlaceKvCache(this.buffers.gather(this.allRows(), 0, L, 0, span - s), L);
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
    for (const [p, plane] of saved.planes.entries()) {
      const n = this.seqLength * plane.width;
      for (const [i, from] of plane.layers.entries()) {
        const to = (this.buffers.planes[p] as Plane).layers[i] as Values;
        for (const dst of moved) {
          const r = sources.indexOf(rows[dst] as number);
          for (let h = 0; h < this.buffers.layout.kvHeads; h++) {
            const at = saved.at(r, h, plane.width);
            to.set(from.subarray(at, at + n), this.buffers.at(dst, h, plane.width));
          }
        }
      }
    }
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
      if (c.dtype !== this.dtype) throw new RangeError(`concatRows: dtypes ${c.dtype} and ${this.dtype} differ`);
    }
    const L = this.seqLength;
    const parts = (caches as InPlaceKvCache[]).map((c) => c.buffers.gather(c.allRows(), 0, L, 0, capacityFor(L)));
    const { layout } = this.buffers;
    const batch = parts.reduce((n, p) => n + p.batch, 0);
    const out = KvBuffers.alloc(layout, batch, capacityFor(L), this.buffers.kinds);
    for (const [p, plane] of out.planes.entries()) {
      for (const [i, dst] of plane.layers.entries()) {
        let offset = 0;
        for (const part of parts) {
          const src = (part.planes[p] as Plane).layers[i] as Values;
          dst.set(src, offset);
          offset += src.length;
        }
      }
    }
    return new InPlaceKvCache(out, L);
  }

  private allRows(): number[] {
    return Array.from({ length: this.batch }, (_, i) => i);
  }

  /** (batch, kv_heads, seqLength, width) copies of plane `p`'s filled slots. */
  private copyOut(p: number): ort.Tensor[] {
    const { layout, batch, capacity, planes } = this.buffers;
    const one = new KvBuffers(layout, batch, capacity, [planes[p] as Plane]); // gather only this plane
    const plane = one.gather(this.allRows(), 0, this.seqLength, 0, this.seqLength).planes[0] as Plane;
    const dims = [this.batch, this.buffers.layout.kvHeads, this.seqLength, plane.width];
    return plane.layers.map((b) => new ort.Tensor(plane.type, b, dims));
  }
}

function typed(t: ort.Tensor, type: 'float32' | 'int8'): Values {
  if (t.type !== type) throw new TypeError(`the in-place KV cache holds ${type} here, got ${t.type}`);
  return t.data as Values;
}
