import type { KvCache } from '../kv-cache/kv-cache.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';

/**
 * Chunk length for graphs with an int8 KV cache: scored the way they decode, through the stored
 * int8 past. (Each token's codes depend on that token only and the graph attends to the
 * dequantized present even within a chunk, so one forward gives the same numbers within float
 * noise — gpt2-kv-int8-model.test.ts checks it — but only the chunked run exercises the cache.)
 */
export const KV_INT8_CHUNK = 32;

/** Logits (T, V) of ids, teacher-forced, row t predicting ids[t + 1]: one forward, or chunks through an int8 cache. */
export async function teacherForcedLogits(session: DecoderSession, ids: readonly number[]): Promise<Float32Array> {
  const chunk = session.kvCacheDtype === 'int8' ? KV_INT8_CHUNK : ids.length;
  const vocab = session.config.vocabSize;
  const logits = new Float32Array(ids.length * vocab); // (T, V)
  let past: KvCache = session.emptyCache(1);
  for (let from = 0; from < ids.length; from += chunk) {
    const to = Math.min(ids.length, from + chunk);
    const out = await session.forward({
      batch: 1,
      seq: to - from,
      inputIds: BigInt64Array.from(ids.slice(from, to), (i) => BigInt(i)), // (1, S)
      attentionMask: new BigInt64Array(to).fill(1n), // (1, past + S)
      positionIds: BigInt64Array.from({ length: to - from }, (_, i) => BigInt(from + i)), // (1, S)
      past,
    });
    logits.set(out.logits, from * vocab);
    past = out.present;
  }
  return logits;
}
