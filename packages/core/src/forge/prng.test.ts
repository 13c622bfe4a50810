import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FORGE_MODELS } from './forge-models.ts';
import { gpt2ParamCount, gpt2Weights } from './gpt2-weights.ts';
import { hashString, Xoshiro128 } from './prng.ts';

// Pinned fingerprints: if these change, every forge model's weights change on every machine.
// They use only integer ops and exactly rounded IEEE arithmetic, so they must hold everywhere.
describe('forge PRNG', () => {
  it('produces the pinned stream', () => {
    const rng = new Xoshiro128(42);
    expect(Array.from({ length: 4 }, () => rng.nextUint32())).toEqual(PINNED_UINT32);
    expect(hashString('wte_t')).toBe(PINNED_NAME_HASH);
  });

  it('draws N(0, std²)-like values with the pinned bytes', () => {
    const out = new Float32Array(100_000);
    Xoshiro128.forTensor(3, 'h.0.attn.c_attn.weight').fillNormal(out, 0.02);
    let sum = 0;
    let sq = 0;
    for (const v of out) {
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / out.length)).toBeLessThan(2e-4);
    expect(Math.sqrt(sq / out.length)).toBeCloseTo(0.02, 3);
    expect(createHash('sha256').update(new Uint8Array(out.buffer)).digest('hex')).toBe(PINNED_NORMAL_SHA256);
  });

  it('builds gpt2-tiny weights with the pinned bytes and HF parameter count', () => {
    const spec = FORGE_MODELS['gpt2-tiny'];
    const hash = createHash('sha256');
    let count = 0;
    for (const [name, { data }] of gpt2Weights(spec)) {
      hash.update(name).update(new Uint8Array(data.buffer));
      count += data.length;
    }
    expect(count).toBe(gpt2ParamCount(spec));
    expect(gpt2ParamCount(FORGE_MODELS['gpt2-small'])).toBe(124_439_808); // HF gpt2 num_parameters()
    expect(hash.digest('hex')).toBe(PINNED_TINY_WEIGHTS_SHA256);
  });
});

const PINNED_UINT32 = [2837322924, 544945897, 479756282, 3500138142]; // matches a Python reimplementation
const PINNED_NAME_HASH = 1156719634; // FNV-1a('wte_t')
const PINNED_NORMAL_SHA256 = 'c3ecfb97fe90daa472af52c5e24a7c4e854b1868c44a4944e2452da4876a2c33';
const PINNED_TINY_WEIGHTS_SHA256 = '2d7bc5fef2efb1984ac296e80654df5d23d9aa58cf161317c658242c3ddaa864';
