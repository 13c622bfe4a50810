// Exit heads: after `layer` blocks, a head maps the residual stream h (D) to z (D), and the
// model's own final norm and tied LM head turn z into logits: logits = lnF(z) · wteᵀ. Only the map
// is trained (exit-head training, distill jobs); lnF and the LM head stay frozen and shared.
// Row-vector convention as GPT-2's Conv1D: z = h · W.

export type ExitHead =
  /** z = h: the final norm and LM head read the intermediate state directly (the untrained baseline). */
  | { layer: number; kind: 'identity' }
  /** z = h · w, w (D, D) row-major; initialised to the identity. */
  | { layer: number; kind: 'linear'; w: Float32Array }
  /** z = h + (h · down) · up, down (D, r), up (r, D) row-major; up initialised to 0 (= identity). */
  | { layer: number; kind: 'low-rank'; rank: number; down: Float32Array; up: Float32Array };

export type ExitHeadKind = ExitHead['kind'];

/** A trained (or baseline) set of heads for one model. `version` names it in matrices and on disk. */
export type ExitHeadSet = {
  version: string;
  /** Model width D. */
  hidden: number;
  /** Sorted by layer, at most one head per layer, each layer in 1..nLayer-1. */
  heads: ExitHead[];
};

/** The untrained baseline set: identity heads at `layers` (the version every model has). */
export const UNTRAINED_HEADS_VERSION = 'untrained';

export function untrainedExitHeads(hidden: number, layers: readonly number[]): ExitHeadSet {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  return { version: UNTRAINED_HEADS_VERSION, hidden, heads: sorted.map((layer) => ({ layer, kind: 'identity' as const })) };
}

/** z = head(h) for one row h (D), in float64 accumulation: the reference the ONNX head is checked against. */
export function applyExitHead(head: ExitHead, h: Float32Array, hidden: number): Float32Array {
  const z = new Float32Array(hidden);
  switch (head.kind) {
    case 'identity':
      z.set(h);
      return z;
    case 'linear':
      for (let j = 0; j < hidden; j++) {
        let s = 0;
        for (let i = 0; i < hidden; i++) s += (h[i] as number) * (head.w[i * hidden + j] as number);
        z[j] = s;
      }
      return z;
    case 'low-rank': {
      const r = head.rank;
      const t = new Float64Array(r); // (r)
      for (let k = 0; k < r; k++) {
        let s = 0;
        for (let i = 0; i < hidden; i++) s += (h[i] as number) * (head.down[i * r + k] as number);
        t[k] = s;
      }
      for (let j = 0; j < hidden; j++) {
        let s = h[j] as number;
        for (let k = 0; k < r; k++) s += (t[k] as number) * (head.up[k * hidden + j] as number);
        z[j] = s;
      }
      return z;
    }
  }
}
