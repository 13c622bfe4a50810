import type { StrategyStats } from '@inferlab/experiments';
/**
 * Decoding strategies are objects behind this one interface. The decode loop (engine/generate.ts)
 * owns the clock, the stop rules and the token events; a strategy owns the model calls and the
 * choice of tokens. `start` begins one request; each `step` returns the tokens that became final
 * in that step: one (greedy, sampling), several (speculative: n = accepted + 1), or none until
 * the end (beam search, whose tokens are only final when the search is).
 */
export type DecodingStrategy = {
  readonly name: string;
  /** Positions of the model(s): prompt + new tokens must fit. */
  readonly maxPositions: number;
  start(promptIds: readonly number[], limits: DecodeLimits): Promise<DecodeRun>;
};

export type DecodeLimits = { maxNewTokens: number; eosTokenIds: readonly number[] };

export type DecodeStep = {
  /** Tokens final after this step, at most `budget` of them. */
  tokens: number[];
  /** The strategy has nothing more to emit (beam search after its final answer). */
  done: boolean;
};

export type DecodeRun = {
  /** `budget`: tokens still allowed before max_new_tokens. */
  step(budget: number): Promise<DecodeStep>;
  /** Bytes of KV cache held now (every model, every row). */
  readonly kvCacheBytes: number;
  /** Counters of multi-token strategies (speculative, prompt lookup); null for the others. */
  stats(): StrategyStats | null;
  /** Sequence score (beam search: sum of log-probabilities / length^lengthPenalty); null when not scored. */
  score(): number | null;
};

/**
 * Turns one row of logits into a token: the part of greedy and sampling that batching reuses.
 * `history` is the whole sequence so far (prompt included), for repetition penalties.
 */
export type TokenChooser = {
  choose(logits: Float32Array, offset: number, vocab: number, history: readonly number[]): number;
};
