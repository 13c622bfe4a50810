import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../forge/prng.ts';
import { maxAbsDiff } from '../forge/test-helpers.ts';
import { applyExitHead, type ExitHead } from './exit-head.ts';
import { ExitMaps } from './exit-maps.ts';

// Trained heads run as small onnxruntime graphs; applyExitHead (float64 JS) is the reference.

describe('ExitMaps', () => {
  const d = 32;
  const rand = (n: number, stream: string, std: number) => {
    const a = new Float32Array(n);
    Xoshiro128.forTensor(11, stream).fillNormal(a, std);
    return a;
  };
  const heads: ExitHead[] = [
    { layer: 1, kind: 'identity' },
    { layer: 2, kind: 'linear', w: rand(d * d, 'w', 0.2) },
    { layer: 3, kind: 'low-rank', rank: 4, down: rand(d * 4, 'down', 0.2), up: rand(4 * d, 'up', 0.2) },
  ];

  it('match the JS reference on every row (max |Δ| ≤ 1e-5) and name a missing layer', async () => {
    const maps = await ExitMaps.load({ version: 'test', hidden: d, heads }, { threads: 1, executionProvider: 'cpu' });
    const rows = 3;
    const h = rand(rows * d, 'h', 1);
    for (const head of heads) {
      const z = (await maps.apply(head.layer, new ort.Tensor('float32', h, [1, rows, d]))).data as Float32Array;
      for (let r = 0; r < rows; r++) {
        const ref = applyExitHead(head, h.subarray(r * d, (r + 1) * d), d);
        expect(maxAbsDiff(z.subarray(r * d, (r + 1) * d), ref)).toBeLessThanOrEqual(1e-5);
      }
    }
    await expect(maps.apply(4, new ort.Tensor('float32', h, [1, rows, d]))).rejects.toThrow(/no head at layer 4 \(they have 1, 2, 3\)/);
    await maps.release();
  });
});
