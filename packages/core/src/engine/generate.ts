import { PermanentError, type StrategyStats, type TokenEvent } from '@inferlab/experiments';
import type { DecodingStrategy } from '../decoding/strategy.ts';
import { TokenClock } from '../metrics/token-clock.ts';
import type { TextTokenizer } from '../runtime/tokenizer.ts';

export type GenerateOptions = {
  maxNewTokens: number;
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
  strategyStats: StrategyStats | null;
  /** Beam search's score of the returned sequence; null for unscored strategies. */
  score: number | null;
};

export class PromptTooLongError extends PermanentError {
  override name = 'PromptTooLongError';
}

export function checkPromptFits(promptTokens: number, maxNewTokens: number, limit: number): void {
  if (promptTokens === 0) throw new PromptTooLongError('prompt encodes to zero tokens');
  if (promptTokens + maxNewTokens > limit) {
    throw new PromptTooLongError(`prompt (${promptTokens} tokens) + maxNewTokens (${maxNewTokens}) exceeds the model's ${limit} positions`);
  }
}

/** The decode loop: tokenize → start → (step → cut at eos/budget → emit)*. Strategy-free, batch 1. */
export async function generate(tokenizer: TextTokenizer, prompt: string, opts: GenerateOptions): Promise<Generation> {
  const clock = new TokenClock();
  const promptIds = tokenizer.encode(prompt);
  clock.markTokenized();
  checkPromptFits(promptIds.length, opts.maxNewTokens, opts.strategy.maxPositions);
  const run = await opts.strategy.start(promptIds, { maxNewTokens: opts.maxNewTokens, eosTokenIds: opts.eosTokenIds });
  const out: number[] = [];
  let stopReason: Generation['stopReason'] = 'length';
  while (out.length < opts.maxNewTokens) {
    const step = await run.step(opts.maxNewTokens - out.length);
    let tokens = step.tokens.slice(0, opts.maxNewTokens - out.length);
    const eosAt = tokens.findIndex((t) => opts.eosTokenIds.includes(t));
    if (eosAt >= 0) tokens = tokens.slice(0, eosAt + 1);
    if (tokens.length > 0) {
      out.push(...tokens);
      clock.emit(tokens.length); // one event per step; n > 1 for multi-token steps
    }
    if (eosAt >= 0) {
      stopReason = 'eos';
      break;
    }
    if (step.done) break;
  }
  return {
    promptTokens: promptIds.length,
    tokenizeMs: clock.tokenizeMs,
    events: clock.events,
    outputTokenIds: out,
    stopReason,
    kvCacheBytes: run.kvCacheBytes,
    strategyStats: run.stats(),
    score: run.score(),
  };
}
