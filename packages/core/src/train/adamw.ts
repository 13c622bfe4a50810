// AdamW (Loshchilov & Hutter 2019): Adam's moments with bias correction, and weight decay applied to
// the weight directly (decoupled), not added to the gradient. Decay is applied to matrices only
// (embeddings, projections); norm gains and biases are not decayed, as GPT-2/nanoGPT recipes do.
// State is float32 (m, v per tensor) so a step is one tight loop per tensor; deterministic.

export type AdamWOptions = { beta1: number; beta2: number; eps: number; weightDecay: number };

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export type AdamWState = { step: number; m: Float32Array[]; v: Float32Array[] };

export class AdamW {
  readonly state: AdamWState;

  /** `decay[i]`: whether tensor i takes weight decay. */
  constructor(
    sizes: readonly number[],
    private readonly decay: readonly boolean[],
    private readonly options: AdamWOptions,
    state?: AdamWState,
  ) {
    this.state = state ?? { step: 0, m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) };
  }

  /**
   * One update of every tensor: g = grads[i]·gradScale (clipping and accumulation folded in),
   * p ← p − lr·(m̂/(√v̂ + ε) + wd·p).
   */
  step(params: readonly Float32Array[], grads: readonly Float32Array[], lr: number, gradScale: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    const t = ++this.state.step;
    const c1 = 1 / (1 - beta1 ** t);
    const c2 = 1 / (1 - beta2 ** t);
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as Float32Array;
      const g = grads[i] as Float32Array;
      const m = this.state.m[i] as Float32Array;
      const v = this.state.v[i] as Float32Array;
      const wd = this.decay[i] === true ? lr * weightDecay : 0;
      for (let j = 0; j < p.length; j++) {
        const gj = (g[j] as number) * gradScale;
        const mj = beta1 * (m[j] as number) + (1 - beta1) * gj;
        const vj = beta2 * (v[j] as number) + (1 - beta2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        const pj = p[j] as number;
        p[j] = pj - lr * ((mj * c1) / (Math.sqrt(vj * c2) + eps)) - wd * pj;
      }
    }
  }
}

/** √(Σ g²) over every tensor, summed in float64. */
export function globalNorm(grads: readonly Float32Array[]): number {
  let sum = 0;
  for (const g of grads) for (let j = 0; j < g.length; j++) sum += (g[j] as number) * (g[j] as number);
  return Math.sqrt(sum);
}

/** The factor that scales gradients of norm `norm` to at most `maxNorm` (1 when already within). */
export function clipScale(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
}
