// Deterministic random numbers for forge weights. Only integer ops and exactly-rounded IEEE
// arithmetic are used (no Math.log/cos, whose last bits may differ between JS engines), so a
// given seed yields byte-identical weights on every machine and Node version.

/** splitmix32: spreads a 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units: a stable 32-bit hash of a tensor name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** xoshiro128**: 32-bit outputs, period 2^128 - 1, fast with Math.imul. */
export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** Independent stream for one tensor: the same (seed, name) always gives the same stream. */
  static forTensor(seed: number, name: string): Xoshiro128 {
    return new Xoshiro128((Math.imul(seed | 0, 0x9e3779b1) ^ hashString(name)) | 0);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /**
   * Fills `out` with approximately normal N(0, std²) values: Irwin–Hall sum of four 16-bit
   * uniforms, centred and scaled to unit variance (tails truncated at ±3.46σ, fine for init).
   */
  fillNormal(out: Float32Array, std: number): void {
    // Each uniform is (k + 0.5) / 65536, k in [0, 65535]: the sum of four is exact in a double.
    const scale = (Math.sqrt(3) * std) / 65536;
    for (let i = 0; i < out.length; i++) {
      const r1 = this.nextUint32();
      const r2 = this.nextUint32();
      const k = (r1 & 0xffff) + (r1 >>> 16) + (r2 & 0xffff) + (r2 >>> 16);
      out[i] = (k + 2 - 131072) * scale;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
