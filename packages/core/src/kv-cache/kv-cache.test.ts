import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { KvCache } from './kv-cache.ts';

// A one-layer cache (batch 2, heads 2, seq 3, head_dim 2) whose values spell their own index
// (b, h, s, d) → 1000b + 100h + 10s + d, so every copy can be checked by value.
const B = 2;
const H = 2;
const S = 3;
const D = 2;
const at = (b: number, h: number, s: number, d: number) => 1000 * b + 100 * h + 10 * s + d;
function cache(): KvCache {
  const data = new Float32Array(B * H * S * D);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++) for (let d = 0; d < D; d++) data[((b * H + h) * S + s) * D + d] = at(b, h, s, d);
  const t = new ort.Tensor('float32', data, [B, H, S, D]);
  return new KvCache([t], [t], S);
}
/** The value at (b, h, s, d) of layer 0's keys. */
const read = (c: KvCache, b: number, h: number, s: number, d: number) => {
  const [, heads, seq, hd] = c.keys[0]!.dims.map(Number) as [number, number, number, number];
  return (c.keys[0]!.data as Float32Array)[((b * heads + h) * seq + s) * hd + d];
};

describe('KvCache operations', () => {
  it('crop keeps the first positions of every row and head', () => {
    const c = cache().crop(2);
    expect(c.seqLength).toBe(2);
    expect(c.keys[0]!.dims).toEqual([2, 2, 2, 2]);
    expect(read(c, 1, 1, 1, 1)).toBe(at(1, 1, 1, 1));
    expect(read(c, 0, 1, 0, 0)).toBe(at(0, 1, 0, 0));
    expect(() => cache().crop(4)).toThrow(RangeError);
  });

  it('selectRows reorders and repeats rows (beam reorder, batch expansion)', () => {
    const c = cache().selectRows([1, 1, 0]);
    expect(c.batch).toBe(3);
    expect(read(c, 0, 1, 2, 1)).toBe(at(1, 1, 2, 1));
    expect(read(c, 1, 0, 0, 0)).toBe(at(1, 0, 0, 0));
    expect(read(c, 2, 1, 1, 0)).toBe(at(0, 1, 1, 0));
    expect(() => cache().selectRows([2])).toThrow(RangeError);
  });

  it('padLeft prepends zero positions; trimLeft drops leading ones; concatRows stacks batches', () => {
    const p = cache().padLeft(2);
    expect(p.seqLength).toBe(5);
    expect(read(p, 1, 1, 0, 1)).toBe(0);
    expect(read(p, 1, 1, 2, 1)).toBe(at(1, 1, 0, 1));
    const t = p.trimLeft(3);
    expect(t.seqLength).toBe(2);
    expect(read(t, 0, 1, 0, 0)).toBe(at(0, 1, 1, 0));
    const s = KvCache.concatRows([cache(), cache().selectRows([1])]);
    expect(s.batch).toBe(3);
    expect(read(s, 2, 0, 2, 1)).toBe(at(1, 0, 2, 1));
    expect(s.bytes).toBe(3 * H * S * D * 4 * 2);
    expect(() => KvCache.concatRows([cache(), cache().crop(2)])).toThrow(/lengths/);
  });
});
