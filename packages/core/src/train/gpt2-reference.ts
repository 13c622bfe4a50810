// Test support only: the independent references the whole-model gradient is checked against —
// forge's float64 GPT-2 forward (written from HF's modeling_gpt2, not from the tape or the
// inference graph; forge/gpt2-reference.ts) and a float64 next-token cross-entropy.
export { gpt2ReferenceLogits } from '../forge/gpt2-reference.ts';

/** Mean next-token cross-entropy of logits (S, V) against `targets`, float64. */
export function referenceCrossEntropy(logits: { rows: number; cols: number; data: Float64Array }, targets: readonly number[]): number {
  let sum = 0;
  for (let r = 0; r < logits.rows; r++) {
    const row = logits.data.subarray(r * logits.cols, (r + 1) * logits.cols);
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += logZ - (row[targets[r] as number] as number);
  }
  return sum / logits.rows;
}
