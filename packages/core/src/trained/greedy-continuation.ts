import type { TeacherLogits } from '../train/teacher-session.ts';

// A trained model's greedy continuation through its own inference graph, re-reading the whole
// sequence each step (no KV cache: a check on a few dozen tokens, not a decoder).

export async function greedyContinuation(model: TeacherLogits, prompt: readonly number[], maxNewTokens: number): Promise<number[]> {
  const ids = [...prompt];
  const v = model.vocabSize;
  for (let n = 0; n < maxNewTokens; n++) {
    const s = ids.length;
    const inputIds = BigInt64Array.from(ids, BigInt);
    const logits = await model.logits({ inputIds, targets: new BigInt64Array(s), batch: 1, seq: s }); // (1, S, V)
    let best = 0;
    for (let j = 1; j < v; j++) if ((logits[(s - 1) * v + j] as number) > (logits[(s - 1) * v + best] as number)) best = j;
    ids.push(best);
  }
  return ids.slice(prompt.length);
}
