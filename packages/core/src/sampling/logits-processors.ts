// Logits → next-token probabilities, with Hugging Face's semantics for each knob (applied in the
// same order as its LogitsProcessorList for sampling: repetition penalty, temperature, top-k, top-p).

export type SamplingParams = {
  /** > 0; 1 leaves the distribution as the model gives it. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 disables. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose mass reaches topP; 1 disables. */
  topP: number;
  /** CTRL's penalty on tokens already in the sequence (prompt included); 1 disables. */
  repetitionPenalty: number;
};

export const NEUTRAL_SAMPLING: SamplingParams = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };

/** softmax(logits[offset, offset + vocab) / temperature) in float64, after the filters above; (vocab). */
export function toProbabilities(
  logits: Float32Array,
  offset: number,
  vocab: number,
  params: SamplingParams,
  history: readonly number[] = [],
): Float64Array {
  const x = new Float64Array(vocab);
  for (let i = 0; i < vocab; i++) x[i] = logits[offset + i] as number;
  if (params.repetitionPenalty !== 1) {
    // Once per distinct token, as torch.gather/scatter does: negative logits grow, positive shrink.
    for (const t of new Set(history)) {
      const v = x[t] as number;
      x[t] = v < 0 ? v * params.repetitionPenalty : v / params.repetitionPenalty;
    }
  }
  if (params.temperature !== 1) for (let i = 0; i < vocab; i++) x[i] = (x[i] as number) / params.temperature;
  const probs = softmax(x);
  if (params.topK > 0 || params.topP < 1) keepTop(probs, params.topK, params.topP);
  return probs;
}

/** In-place softmax of float64 values; returns its argument. */
export function softmax(x: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - max;
    // exp underflows to 0 below −745: skipping the call matters at low temperature (most of 50k ids).
    const e = d < -745 ? 0 : Math.exp(d);
    x[i] = e;
    sum += e;
  }
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / sum;
  return x;
}

/** Zeroes all but the top-k / top-p nucleus and renormalizes; ties broken by lower id (stable). */
function keepTop(probs: Float64Array, topK: number, topP: number): void {
  // Sorting all 50k ids every token is slow; only the top-k (or the non-zero ids) can be kept.
  const order = topK > 0 ? topIds(probs, topK) : nonZeroIds(probs);
  order.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  let keep = topK > 0 ? Math.min(topK, order.length) : order.length;
  if (topP < 1) {
    let mass = 0;
    for (let i = 0; i < keep; i++) {
      mass += probs[order[i] as number] as number;
      if (mass >= topP) {
        keep = i + 1; // the token that crosses topP stays (HF keeps at least one)
        break;
      }
    }
  }
  let total = 0;
  for (let i = 0; i < keep; i++) total += probs[order[i] as number] as number;
  const kept = new Float64Array(keep);
  for (let i = 0; i < keep; i++) kept[i] = (probs[order[i] as number] as number) / total;
  probs.fill(0);
  for (let i = 0; i < keep; i++) probs[order[i] as number] = kept[i] as number;
}

function nonZeroIds(probs: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < probs.length; i++) if ((probs[i] as number) > 0) out.push(i);
  return out;
}

/** The k most likely ids (ties: lower id), unordered beyond that; one pass with a min-threshold buffer. */
function topIds(probs: Float64Array, k: number): number[] {
  const ids: number[] = [];
  let min = Number.POSITIVE_INFINITY;
  let minAt = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (ids.length < k) {
      ids.push(i);
      if (p <= min) [min, minAt] = [p, ids.length - 1];
    } else if (p > min) {
      ids[minAt] = i; // a strictly larger p replaces the smallest kept (equal p keeps the lower id)
      [min, minAt] = [Number.POSITIVE_INFINITY, -1];
      ids.forEach((id, j) => {
        // the smallest kept, and among equals the highest id, is the next to go
        const q = probs[id] as number;
        if (q < min || (q === min && id > (ids[minAt] as number))) [min, minAt] = [q, j];
      });
    }
  }
  return ids;
}

/** log softmax of logits[offset, offset + vocab) in float64; (vocab). */
export function logSoftmax(logits: Float32Array, offset: number, vocab: number): Float64Array {
  const out = new Float64Array(vocab);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i] as number);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp((logits[offset + i] as number) - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < vocab; i++) out[i] = (logits[offset + i] as number) - lse;
  return out;
}
