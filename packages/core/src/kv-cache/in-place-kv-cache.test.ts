import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { IN_PLACE_CHUNK, InPlaceKvCache } from './in-place-kv-cache.ts';

// What the in-place kind does beyond the conformance suite: appends write only the new positions
// into shared buffers, crop is a view, a same-size reorder permutes rows in place, and the mask
// grows to the buffers' capacity with the unfilled slots masked.

const LAYOUT = { layers: 1, kvHeads: 2, headDim: 2 };
/** (batch, 2 heads, s, 2) whose entries are base + their index. */
const step = (batch: number, s: number, base: number) =>
  new ort.Tensor(
    'float32',
    Float32Array.from({ length: batch * 2 * s * 2 }, (_, i) => base + i),
    [batch, 2, s, 2],
  );
const data = (t: ort.Tensor | undefined) => Array.from((t as ort.Tensor).data as Float32Array);

describe('InPlaceKvCache', () => {
  it('appends into one buffer, growing it by chunks; crop is a view the next append overwrites after', () => {
    const a = InPlaceKvCache.empty(LAYOUT, 1).append([step(1, 3, 100)], [step(1, 3, 200)]);
    expect([a.seqLength, a.capacity]).toEqual([3, IN_PLACE_CHUNK]);
    const b = a.append([step(1, 1, 300)], [step(1, 1, 400)]);
    expect(b.pastTensors().keys[0]?.data).toBe(a.pastTensors().keys[0]?.data); // same buffer, nothing copied
    expect(data(b.keys[0])).toEqual([100, 101, 102, 103, 104, 105, 300, 301, 106, 107, 108, 109, 110, 111, 302, 303]);
    const cropped = b.crop(2) as InPlaceKvCache;
    const c = cropped.append([step(1, 1, 500)], [step(1, 1, 600)]);
    expect(data(c.keys[0])).toEqual([100, 101, 102, 103, 500, 501, 106, 107, 108, 109, 502, 503]);
    const grown = c.append([step(1, IN_PLACE_CHUNK, 0)], [step(1, IN_PLACE_CHUNK, 0)]);
    expect([grown.seqLength, grown.capacity]).toEqual([3 + IN_PLACE_CHUNK, 2 * IN_PLACE_CHUNK]);
    expect(data(grown.values[0]).slice(0, 6)).toEqual([200, 201, 202, 203, 600, 601]);
  });

  it('a same-size row reorder permutes in place (beam search); the mask widens to the capacity', () => {
    const a = InPlaceKvCache.empty(LAYOUT, 3).append([step(3, 1, 0)], [step(3, 1, 0)]);
    const before = a.pastTensors().keys[0]?.data;
    const r = a.selectRows([2, 0, 0]);
    expect((r as InPlaceKvCache).pastTensors().keys[0]?.data).toBe(before);
    expect(data(r.keys[0])).toEqual([8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3]);
    const mask = a.widenMask(BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]), 1); // (3, 1 + 1)
    expect(Array.from(mask.subarray(0, IN_PLACE_CHUNK + 1)).map(Number)).toEqual([1, ...new Array(IN_PLACE_CHUNK - 1).fill(0), 1]);
    expect(Number(mask[IN_PLACE_CHUNK + 1])).toBe(0);
    expect(mask.length).toBe(3 * (IN_PLACE_CHUNK + 1));
  });
});
