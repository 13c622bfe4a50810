import type { KvCache } from '../kv-cache/kv-cache.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';

const ones = (n: number) => new BigInt64Array(n).fill(1n);
const range = (from: number, to: number) => BigInt64Array.from({ length: to - from }, (_, i) => BigInt(from + i));

/**
 * One sequence (batch 1) on one model: committed tokens, of which the first `fed` are in the KV
 * cache. Strategies push tokens, feed them (one forward over all unfed tokens: a multi-token step),
 * and crop on rollback. Without cache every feed recomputes the whole sequence (the seed's
 * autoregressive_no_cache) and returns the same rows.
 */
export class DecodeSequence {
  readonly tokens: number[] = [];
  private fed = 0;
  private past: KvCache;
  /** Forward passes run so far (speculative decoding counts the target's). */
  forwards = 0;

  constructor(
    readonly session: DecoderSession,
    readonly useCache: boolean,
  ) {
    this.past = session.emptyCache(1);
  }

  get length(): number {
    return this.tokens.length;
  }

  get kvCacheBytes(): number {
    return this.useCache ? this.past.bytes : 0;
  }

  push(...tokens: number[]): void {
    this.tokens.push(...tokens);
  }

  /**
   * Runs the unfed tokens; returns the logits of the last `keep` of them (all when 0), (rows, vocab):
   * the last row predicts the next token. A graph that computes every row still returns only these.
   */
  async feed(keep = 0): Promise<Float32Array> {
    const n = this.tokens.length - this.fed;
    if (n <= 0) throw new RangeError('feed() with no unfed tokens');
    const vocab = this.session.config.vocabSize;
    this.forwards++;
    if (!this.useCache) {
      const all = this.tokens.length;
      const out = await this.session.forward({
        batch: 1,
        seq: all,
        inputIds: BigInt64Array.from(this.tokens, BigInt),
        attentionMask: ones(all),
        positionIds: range(0, all),
        past: this.session.emptyCache(1),
        logitsToKeep: keep === 0 ? n : Math.min(keep, n),
      });
      this.fed = all;
      return out.logits.subarray((out.rows - (keep === 0 ? n : Math.min(keep, n))) * vocab);
    }
    const out = await this.session.forward({
      batch: 1,
      seq: n,
      inputIds: BigInt64Array.from(this.tokens.slice(this.fed), BigInt),
      attentionMask: ones(this.tokens.length),
      positionIds: range(this.fed, this.tokens.length),
      past: this.past,
      logitsToKeep: keep,
    });
    this.past = out.present;
    this.fed = this.tokens.length;
    return keep === 0 || out.rows <= keep ? out.logits : out.logits.subarray((out.rows - keep) * vocab);
  }

  /** Keeps the first `length` tokens; the cache is cropped to match (rejected draft tokens). */
  crop(length: number): void {
    this.tokens.length = length;
    if (this.fed > length) {
      this.fed = length;
      if (this.useCache) this.past = this.past.crop(length);
    }
  }
}
