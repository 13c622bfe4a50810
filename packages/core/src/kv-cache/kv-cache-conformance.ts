// The conformance suite every KV-cache kind and dtype runs (one suite for every implementation):
// the operations the engine uses (empty, crop, row gather, left padding, batch stacking, bytes)
// on a one-layer cache (batch 2, heads 2, seq 3, head_dim 2) whose entries spell their own index,
// so every copy is checked by value. int8 caches also carry a scale per (row, head, token), which
// must travel with its codes.

import type { KvCacheDtype } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InPlaceKvCache } from './in-place-kv-cache.ts';
import { KvCache, type KvLayout, kvCacheBytes, TensorKvCache } from './kv-cache.ts';

/** How a kind makes its caches: the graph's tensors (TensorKvCache) or caller-owned buffers (InPlaceKvCache). */
export type KvCacheKind = {
  name: string;
  empty(layout: KvLayout, batch: number, dtype: KvCacheDtype): KvCache;
  /** A cache holding these (batch, heads, seq, head_dim) tensors, and int8 scales (batch, heads, seq, 1). */
  of(keys: ort.Tensor[], values: ort.Tensor[], seq: number, scales: { keys: ort.Tensor[]; values: ort.Tensor[] } | null): KvCache;
};

export const TENSOR_KV_KIND: KvCacheKind = {
  name: 'tensor',
  empty: (layout, batch, dtype) => KvCache.empty(layout, batch, dtype),
  of: (keys, values, seq, scales) => new TensorKvCache(keys, values, seq, scales),
};

export const IN_PLACE_KV_KIND: KvCacheKind = {
  name: 'in-place',
  empty: (layout, batch, dtype) => InPlaceKvCache.empty(layout, batch, dtype),
  of: (keys, values, _seq, scales) => InPlaceKvCache.fromTensors(keys, values, scales),
};

const B = 2;
const H = 2;
const S = 3;
const D = 2;
/** Entry at (b, h, s, d): 1..24, exact in int8 and float32; 0 only in padding. */
const at = (b: number, h: number, s: number, d: number) => ((b * H + h) * S + s) * D + d + 1;
/** int8 scale at (b, h, s): distinct per token, exact in float32. */
const scaleAt = (b: number, h: number, s: number) => 0.5 * ((b * H + h) * S + s + 1);

function cacheOf(dtype: KvCacheDtype, kind: KvCacheKind): KvCache {
  const data = Array.from({ length: B * H * S * D }, (_, i) => i + 1); // = at(b, h, s, d) in row-major order
  if (dtype === 'fp32') {
    const t = new ort.Tensor('float32', Float32Array.from(data), [B, H, S, D]);
    return kind.of([t], [t], S, null);
  }
  const codes = new ort.Tensor('int8', Int8Array.from(data), [B, H, S, D]);
  const scales = new ort.Tensor(
    'float32',
    Float32Array.from({ length: B * H * S }, (_, i) => 0.5 * (i + 1)),
    [B, H, S, 1],
  );
  return kind.of([codes], [codes], S, { keys: [scales], values: [scales] });
}

const dims = (t: ort.Tensor) => t.dims.map(Number) as [number, number, number, number];
/** Layer 0's key entry at (b, h, s, d), and its scale (int8) or null (fp32). */
function read(c: KvCache, b: number, h: number, s: number, d: number): { value: number; scale: number | null } {
  const [, heads, seq, hd] = dims(c.keys[0] as ort.Tensor);
  const value = ((c.keys[0] as ort.Tensor).data as Float32Array | Int8Array)[((b * heads + h) * seq + s) * hd + d] as number;
  const scale = c.scales === null ? null : (((c.scales.keys[0] as ort.Tensor).data as Float32Array)[(b * heads + h) * seq + s] as number);
  return { value, scale };
}
/** What read() must give for source position (b, h, s, d). */
const expected = (dtype: KvCacheDtype, b: number, h: number, s: number, d: number) => ({
  value: at(b, h, s, d),
  scale: dtype === 'int8' ? scaleAt(b, h, s) : null,
});
const padding = (dtype: KvCacheDtype) => ({ value: 0, scale: dtype === 'int8' ? 0 : null });

const CONFIG: KvLayout = { layers: 3, kvHeads: 2, headDim: 8 };

export function kvCacheConformance(dtype: KvCacheDtype, kind: KvCacheKind = TENSOR_KV_KIND): void {
  const bytesPerToken = dtype === 'int8' ? D + 4 : D * 4; // per (layer, k|v, row, head)

  const cache = (d: KvCacheDtype) => cacheOf(d, kind);
  describe(`KvCache ${kind.name} ${dtype}: conformance`, () => {
    it('empty: zero-length past of the graph’s dtype for every layer', () => {
      const e = kind.empty(CONFIG, 2, dtype);
      expect(e.dtype).toBe(dtype);
      expect(e.keys).toHaveLength(CONFIG.layers);
      expect(e.keys[0]?.type).toBe(dtype === 'int8' ? 'int8' : 'float32');
      expect(e.values[2]?.dims).toEqual([2, CONFIG.kvHeads, 0, CONFIG.headDim]);
      expect(e.scales?.keys[1]?.dims ?? null).toEqual(dtype === 'int8' ? [2, CONFIG.kvHeads, 0, 1] : null);
      expect([e.seqLength, e.bytes, e.batch]).toEqual([0, 0, 2]);
    });

    it('bytes: the docs/metrics.md formula, int8 codes plus their float32 scales', () => {
      expect(cache(dtype).bytes).toBe(2 * B * H * S * bytesPerToken);
      expect(kvCacheBytes(CONFIG, 2, 5, dtype)).toBe(CONFIG.layers * 2 * 2 * CONFIG.kvHeads * 5 * (dtype === 'int8' ? 8 + 4 : 8 * 4));
    });

    it('crop keeps the first positions of every row and head', () => {
      const c = cache(dtype).crop(2);
      expect(c.seqLength).toBe(2);
      expect(c.dtype).toBe(dtype);
      expect(c.keys[0]?.dims).toEqual([2, 2, 2, 2]);
      expect(c.scales?.values[0]?.dims ?? null).toEqual(dtype === 'int8' ? [2, 2, 2, 1] : null);
      expect(read(c, 1, 1, 1, 1)).toEqual(expected(dtype, 1, 1, 1, 1));
      expect(read(c, 0, 1, 0, 0)).toEqual(expected(dtype, 0, 1, 0, 0));
      expect(c.bytes).toBe(2 * B * H * 2 * bytesPerToken);
      expect(() => cache(dtype).crop(4)).toThrow(RangeError);
    });

    it('selectRows reorders and repeats rows (beam reorder, batch expansion)', () => {
      const c = cache(dtype).selectRows([1, 1, 0]);
      expect(c.batch).toBe(3);
      expect(read(c, 0, 1, 2, 1)).toEqual(expected(dtype, 1, 1, 2, 1));
      expect(read(c, 1, 0, 0, 0)).toEqual(expected(dtype, 1, 0, 0, 0));
      expect(read(c, 2, 1, 1, 0)).toEqual(expected(dtype, 0, 1, 1, 0));
      expect(() => cache(dtype).selectRows([2])).toThrow(RangeError);
    });

    it('padLeft prepends zero positions; trimLeft drops leading ones; concatRows stacks batches', () => {
      const p = cache(dtype).padLeft(2);
      expect(p.seqLength).toBe(5);
      expect(read(p, 1, 1, 0, 1)).toEqual(padding(dtype));
      expect(read(p, 1, 1, 2, 1)).toEqual(expected(dtype, 1, 1, 0, 1));
      const t = p.trimLeft(3);
      expect(t.seqLength).toBe(2);
      expect(read(t, 0, 1, 0, 0)).toEqual(expected(dtype, 0, 1, 1, 0));
      const s = KvCache.concatRows([cache(dtype), cache(dtype).selectRows([1])]);
      expect(s.batch).toBe(3);
      expect(s.dtype).toBe(dtype);
      expect(read(s, 2, 0, 2, 1)).toEqual(expected(dtype, 1, 0, 2, 1));
      expect(s.bytes).toBe(2 * 3 * H * S * bytesPerToken);
      expect(() => KvCache.concatRows([cache(dtype), cache(dtype).crop(2)])).toThrow(/lengths/);
      const other: KvCacheDtype = dtype === 'fp32' ? 'int8' : 'fp32';
      if (kind === TENSOR_KV_KIND) expect(() => KvCache.concatRows([cache(dtype), cache(other)])).toThrow(/dtypes/);
      else expect(() => KvCache.concatRows([cache(dtype), cacheOf(dtype, TENSOR_KV_KIND)])).toThrow(/kinds/);
    });
  });
}
