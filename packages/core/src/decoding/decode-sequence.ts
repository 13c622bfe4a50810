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

  /**
   * prefillChunk > 0: a feed of more tokens than this (the prompt) runs as forwards of at most this
   * many, each appending to the cache — bounding the (S × T) attention scores and activations of a
   * long prompt; only the last chunk's rows are returned. 0: one forward (the default).
   */
  constructor(
    readonly session: DecoderSession,
    readonly useCache: boolean,
    readonly prefillChunk = 0,
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
    // Chunks only when the rows asked for lie in the last chunk (a prefill keeps 1).
    const chunk = this.prefillChunk;
    const lastChunk = chunk > 0 ? n - chunk * Math.floor((n - 1) / chunk) : n;
    if (chunk > 0 && n > chunk && keep >= 1 && keep <= lastChunk) {
      for (let end = this.tokens.length - lastChunk; this.fed < end; this.forwards++)
        await this.forwardTo(Math.min(this.fed + chunk, end), 1);
    }
    const out = await this.forwardTo(this.tokens.length, keep);
    return keep === 0 || out.rows <= keep ? out.logits : out.logits.subarray((out.rows - keep) * vocab);
  }

  /** One forward of tokens [fed, to) on the cache; they become fed. */
  private async forwardTo(to: number, keep: number) {
    const out = await this.session.forward({
      batch: 1,
      seq: to - this.fed,
      inputIds: BigInt64Array.from(this.tokens.slice(this.fed, to), BigInt),
      attentionMask: ones(to),
      positionIds: range(this.fed, to),
      past: this.past,
      logitsToKeep: keep,
    });
    this.past = out.present;
    this.fed = to;
    return out;
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
