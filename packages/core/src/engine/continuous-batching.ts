import type { TokenChooser } from '../decoding/strategy.ts';
import { KvCache } from '../kv-cache/kv-cache.ts';
import { TokenClock } from '../metrics/token-clock.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';
import type { TextTokenizer } from '../runtime/tokenizer.ts';
import { CellCancelledError } from './cell-cancelled-error.ts';
import { checkPromptFits, type Generation } from './generate.ts';
import type { BatchOptions } from './generate-batch.ts';

type Row = { index: number; tokens: number[]; out: number[]; chooser: TokenChooser };

/**
 * Continuous batching: every request is queued at t0; up to `maxBatch` decode together, and
 * between decode steps finished requests leave and queued ones join (prefilled alone, then their
 * KV rows left-padded to the running batch's length and stacked under it). Columns that every
 * remaining row masks out are trimmed. Each request's tokens equal its unbatched run.
 */
export async function generateContinuous(
  session: DecoderSession,
  tokenizer: TextTokenizer,
  prompts: readonly string[],
  opts: BatchOptions & {
    maxBatch: number /** checked before each decode step; true stops with CellCancelledError */;
    isCancelled?: () => boolean;
  },
): Promise<Generation[]> {
  const vocab = session.config.vocabSize;
  const clocks = prompts.map(() => new TokenClock());
  const ids = prompts.map((p, i) => {
    const r = tokenizer.encode(p);
    (clocks[i] as TokenClock).markTokenized();
    checkPromptFits(r.length, opts.maxNewTokens, session.config.maxPositions);
    return r;
  });
  const results: Generation[] = new Array(prompts.length);
  let peakKv = 0;
  const queue = prompts.map((_, i) => i);
  let rows: Row[] = [];
  let pads: number[] = []; // left padding of each row in the cache (all zeros-masked columns)
  let cache: KvCache | null = null; // (rows, heads, L, head_dim)
  // Chooses and emits one token for a row; true when the row is finished (and recorded).
  const emit = (row: Row, logits: Float32Array, offset: number): boolean => {
    const token = row.chooser.choose(logits, offset, vocab, row.tokens);
    row.tokens.push(token);
    row.out.push(token);
    const clock = clocks[row.index] as TokenClock;
    clock.emit(1);
    const eos = opts.eosTokenIds.includes(token);
    if (!eos && row.out.length < opts.maxNewTokens) return false;
    results[row.index] = {
      promptTokens: (ids[row.index] as number[]).length,
      tokenizeMs: clock.tokenizeMs,
      events: clock.events,
      outputTokenIds: row.out,
      stopReason: eos ? 'eos' : 'length',
      kvCacheBytes: peakKv,
      strategyStats: null,
      score: null,
    };
    return true;
  };
  while (queue.length > 0 || rows.length > 0) {
    if (opts.isCancelled?.()) throw new CellCancelledError('the experiment was cancelled');
    while (rows.length < opts.maxBatch && queue.length > 0) {
      const index = queue.shift() as number;
      const prompt = ids[index] as number[];
      const row: Row = { index, tokens: [...prompt], out: [], chooser: opts.newChooser() };
      const l = prompt.length;
      const pre = await session.forward({
        batch: 1,
        seq: l,
        inputIds: BigInt64Array.from(prompt, BigInt),
        attentionMask: new BigInt64Array(l).fill(1n),
        positionIds: BigInt64Array.from(prompt, (_, j) => BigInt(j)),
        past: session.emptyCache(1),
        logitsToKeep: 1,
      });
      if (emit(row, pre.logits, (pre.rows - 1) * vocab)) continue;
      const L = cache?.seqLength ?? 0;
      if (cache === null) cache = pre.present;
      else if (l <= L) cache = KvCache.concatRows([cache, pre.present.padLeft(L - l)]);
      else {
        cache = KvCache.concatRows([cache.padLeft(l - L), pre.present]);
        pads = pads.map((p) => p + l - L);
      }
      pads.push(Math.max(0, L - l));
      rows.push(row);
    }
    if (cache === null || rows.length === 0) continue;
    const R = rows.length;
    const width = cache.seqLength + 1;
    const out = await session.forward({
      batch: R,
      seq: 1,
      inputIds: BigInt64Array.from(rows, (r) => BigInt(r.tokens[r.tokens.length - 1] as number)), // (R, 1)
      attentionMask: BigInt64Array.from({ length: R * width }, (_, i) => (i % width < (pads[(i / width) | 0] as number) ? 0n : 1n)),
      positionIds: BigInt64Array.from(rows, (r) => BigInt(r.tokens.length - 1)), // (R, 1): each row's own position
      past: cache,
    });
    cache = out.present;
    peakKv = Math.max(peakKv, cache.bytes);
    const keep = rows.map((r, b) => !emit(r, out.logits, b * vocab));
    if (keep.every(Boolean)) continue;
    const kept = rows.flatMap((_, b) => (keep[b] ? [b] : []));
    rows = kept.map((b) => rows[b] as Row);
    pads = kept.map((b) => pads[b] as number);
    if (rows.length === 0) {
      cache = null;
      pads = [];
      continue;
    }
    const trim = Math.min(...pads);
    cache = cache.selectRows(kept).trimLeft(trim);
    pads = pads.map((p) => p - trim);
  }
  return results;
}
