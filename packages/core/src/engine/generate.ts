import type { DecodingStrategy } from '../decoding/strategy.ts';
import type { KvCache } from '../kv-cache/kv-cache.ts';
import { TokenClock, type TokenEvent } from '../metrics/token-clock.ts';
import type { TextTokenizer } from '../model/tokenizer.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';

export type GenerateOptions = {
  maxNewTokens: number;
  /** true: prefill once, then one token + past per step. false: the whole sequence every step. */
  useCache: boolean;
  strategy: DecodingStrategy;
  /** Stop at these ids (the config's eos); empty: only max_new_tokens stops. */
  eosTokenIds: readonly number[];
};

export type Generation = {
  promptTokens: number;
  tokenizeMs: number;
  events: TokenEvent[];
  outputTokenIds: number[];
  stopReason: 'eos' | 'length';
  /** KV-cache bytes held at the end (0 without cache). */
  kvCacheBytes: number;
};

export class PromptTooLongError extends Error {
  override name = 'PromptTooLongError';
}

const ones = (n: number) => new BigInt64Array(n).fill(1n);
const range = (from: number, to: number) => {
  const out = new BigInt64Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = BigInt(from + i);
  return out;
};

/** The decode loop: tokenize → prefill → (choose → emit → stop? → forward)*. Batch 1. */
export async function generate(
  session: DecoderSession,
  tokenizer: TextTokenizer,
  prompt: string,
  opts: GenerateOptions,
): Promise<Generation> {
  const clock = new TokenClock();
  const promptIds = tokenizer.encode(prompt);
  clock.markTokenized();
  const vocab = session.config.vocabSize;
  const limit = session.config.maxPositions;
  if (promptIds.length === 0) throw new PromptTooLongError('prompt encodes to zero tokens');
  if (promptIds.length + opts.maxNewTokens > limit) {
    throw new PromptTooLongError(
      `prompt (${promptIds.length} tokens) + maxNewTokens (${opts.maxNewTokens}) exceeds the model's ${limit} positions`,
    );
  }
  const ids = promptIds.slice(); // the whole sequence so far
  const out: number[] = [];
  let past: KvCache = session.emptyCache(1);
  // Prefill: the prompt, with an empty past.
  let step = await session.forward({
    batch: 1,
    seq: ids.length,
    inputIds: BigInt64Array.from(ids, BigInt),
    attentionMask: ones(ids.length),
    positionIds: range(0, ids.length),
    past,
  });
  let seqInStep = ids.length;
  let stopReason: Generation['stopReason'] = 'length';
  for (;;) {
    const token = opts.strategy.next(step.logits, (seqInStep - 1) * vocab, vocab);
    out.push(token);
    ids.push(token);
    clock.emit(1);
    if (opts.eosTokenIds.includes(token)) {
      stopReason = 'eos';
      break;
    }
    if (out.length >= opts.maxNewTokens) break;
    if (opts.useCache) {
      past = step.present;
      step = await session.forward({
        batch: 1,
        seq: 1,
        inputIds: BigInt64Array.of(BigInt(token)),
        attentionMask: ones(ids.length),
        positionIds: BigInt64Array.of(BigInt(ids.length - 1)),
        past,
      });
      seqInStep = 1;
    } else {
      // The seed's autoregressive_no_cache: recompute every position every step.
      step = await session.forward({
        batch: 1,
        seq: ids.length,
        inputIds: BigInt64Array.from(ids, BigInt),
        attentionMask: ones(ids.length),
        positionIds: range(0, ids.length),
        past: session.emptyCache(1),
      });
      seqInStep = ids.length;
    }
  }
  return {
    promptTokens: promptIds.length,
    tokenizeMs: clock.tokenizeMs,
    events: clock.events,
    outputTokenIds: out,
    stopReason,
    kvCacheBytes: opts.useCache ? step.present.bytes : 0,
  };
}
