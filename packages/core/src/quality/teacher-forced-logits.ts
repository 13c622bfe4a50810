import type { DecoderSession } from '../runtime/decoder-session.ts';

/** One forward over ids (no cache): logits (T, V), row t predicting ids[t + 1]. */
export async function teacherForcedLogits(session: DecoderSession, ids: readonly number[]): Promise<Float32Array> {
  const seq = ids.length;
  const out = await session.forward({
    batch: 1,
    seq,
    inputIds: BigInt64Array.from(ids, (i) => BigInt(i)), // (1, T)
    attentionMask: new BigInt64Array(seq).fill(1n), // (1, T)
    positionIds: BigInt64Array.from({ length: seq }, (_, i) => BigInt(i)), // (1, T)
    past: session.emptyCache(1),
  });
  return out.logits;
}
