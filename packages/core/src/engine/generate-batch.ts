import type { TokenChooser } from '../decoding/strategy.ts';
import { TokenClock } from '../metrics/token-clock.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';
import type { TextTokenizer } from '../runtime/tokenizer.ts';
import { checkPromptFits, type Generation } from './generate.ts';

export type BatchOptions = {
  maxNewTokens: number;
  /** One chooser per row (greedy, or a sampler seeded as the row's unbatched run would be). */
  newChooser: () => TokenChooser;
  eosTokenIds: readonly number[];
};

/**
 * Static batching: the prompts run as ONE batch, left-padded to the longest, with attention_mask
 * hiding the padding and position ids counting each row's own tokens, so every row computes what
 * it would alone. The batch steps until every row has stopped; a stopped row keeps feeding its
 * last token (masked-in, ignored) because the batch shape is fixed. Every row's clock starts at
 * the batch's start: a row waits for the whole batch to be tokenized and prefilled.
 */
export async function generateBatch(
  session: DecoderSession,
  tokenizer: TextTokenizer,
  prompts: readonly string[],
  opts: BatchOptions,
): Promise<Generation[]> {
  const B = prompts.length;
  const vocab = session.config.vocabSize;
  const clocks = prompts.map(() => new TokenClock());
  const ids = prompts.map((p) => tokenizer.encode(p));
  for (const c of clocks) c.markTokenized();
  for (const r of ids) checkPromptFits(r.length, opts.maxNewTokens, session.config.maxPositions);
  const L = Math.max(...ids.map((r) => r.length));
  const pad = ids.map((r) => L - r.length);
  // mask (B, L + t): 0 on each row's left padding, 1 elsewhere; grows by one column per step.
  let width = L;
  const maskFor = () => BigInt64Array.from({ length: B * width }, (_, i) => (i % width < (pad[(i / width) | 0] as number) ? 0n : 1n));
  const input = ids.flatMap((r, b) => [...new Array(pad[b] as number).fill(0), ...r]);
  const positions = ids.flatMap((r, b) => [...new Array(pad[b] as number).fill(0), ...r.map((_, j) => j)]);
  let step = await session.forward({
    batch: B,
    seq: L,
    inputIds: BigInt64Array.from(input, BigInt), // (B, L)
    attentionMask: maskFor(),
    positionIds: BigInt64Array.from(positions, BigInt), // (B, L)
    past: session.emptyCache(B),
    logitsToKeep: 1,
  });
  const choosers = prompts.map(() => opts.newChooser());
  const out: number[][] = prompts.map(() => []);
  const stop: (Generation['stopReason'] | null)[] = prompts.map(() => null);
  for (;;) {
    const last: number[] = [];
    for (let b = 0; b < B; b++) {
      const row = out[b] as number[];
      if (stop[b] === null) {
        const offset = (b * step.rows + step.rows - 1) * vocab; // logits (B, rows, vocab), last position
        const token = (choosers[b] as TokenChooser).choose(step.logits, offset, vocab, [...(ids[b] as number[]), ...row]);
        row.push(token);
        (clocks[b] as TokenClock).emit(1);
        if (opts.eosTokenIds.includes(token)) stop[b] = 'eos';
        else if (row.length >= opts.maxNewTokens) stop[b] = 'length';
      }
      last.push(row[row.length - 1] as number);
    }
    if (stop.every((s) => s !== null)) break;
    width++;
    step = await session.forward({
      batch: B,
      seq: 1,
      inputIds: BigInt64Array.from(last, BigInt), // (B, 1)
      attentionMask: maskFor(),
      positionIds: BigInt64Array.from(ids, (r, b) => BigInt(r.length + (out[b] as number[]).length - 1)), // (B, 1)
      past: step.present,
      logitsToKeep: 1,
    });
  }
  return prompts.map((_, b) => ({
    promptTokens: (ids[b] as number[]).length,
    tokenizeMs: (clocks[b] as TokenClock).tokenizeMs,
    events: (clocks[b] as TokenClock).events,
    outputTokenIds: out[b] as number[],
    stopReason: stop[b] ?? 'length',
    kvCacheBytes: step.present.bytes,
    strategyStats: null,
    score: null,
  }));
}
