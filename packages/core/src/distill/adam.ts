// Adam (Kingma & Ba 2015) with bias correction, in place on float32 parameters; moments in float64
// so many small steps do not lose the update to rounding. Deterministic: no randomness, fixed order.

export type AdamOptions = { learningRate: number; beta1: number; beta2: number; eps: number };

export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

export class Adam {
  readonly #m: Float64Array;
  readonly #v: Float64Array;
  #t = 0;

  constructor(
    readonly size: number,
    readonly options: AdamOptions,
  ) {
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
  }

  /** params −= lr · m̂ / (√v̂ + ε), with m, v the running moments of `grad` (both of length `size`). */
  step(params: Float32Array, grad: ArrayLike<number>): void {
    if (params.length !== this.size || grad.length !== this.size) {
      throw new RangeError(`Adam over ${this.size} values got params ${params.length}, grad ${grad.length}`);
    }
    const { learningRate, beta1, beta2, eps } = this.options;
    this.#t += 1;
    const c1 = 1 - beta1 ** this.#t;
    const c2 = 1 - beta2 ** this.#t;
    const m = this.#m;
    const v = this.#v;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = (params[i] as number) - (learningRate * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}
