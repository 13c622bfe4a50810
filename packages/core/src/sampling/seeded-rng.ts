import { Xoshiro128 } from '../forge/prng.ts';

/**
 * Uniform draws in [0, 1) from xoshiro128** (integer ops only), so a seed gives the same stream on
 * every machine. 53 bits per draw: two 32-bit outputs, as a double holds them exactly.
 */
export class SeededRng {
  private readonly gen: Xoshiro128;

  constructor(readonly seed: number) {
    this.gen = new Xoshiro128(seed);
  }

  next(): number {
    const hi = this.gen.nextUint32() >>> 5; // 27 bits
    const lo = this.gen.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}
