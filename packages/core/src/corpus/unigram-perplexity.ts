// The baseline a trained model must beat (issue 14: held-out perplexity at most half of it): the
// perplexity of the held-out tokens under the training split's unigram distribution, add-one
// smoothed over the whole vocabulary so a token never seen in training costs log(V + N), not ∞.

export function unigramPerplexity(train: Int32Array, heldOut: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize);
  for (const id of train) counts[id] = (counts[id] as number) + 1;
  const total = train.length + vocabSize;
  let nll = 0;
  for (const id of heldOut) nll -= Math.log(((counts[id] as number) + 1) / total);
  return Math.exp(nll / heldOut.length);
}
