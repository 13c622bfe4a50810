/** Proposed continuation: `tokens`, and per token the draft distribution it was drawn from (null: deterministic). */
export type Draft = { tokens: number[]; q: Float64Array[] | null };

/** Where speculative decoding's draft tokens come from: a smaller model, or the context itself. */
export type Drafter = {
  /** Up to `k` tokens that may follow `context` (the committed sequence, prompt included). */
  propose(context: readonly number[], k: number): Promise<Draft>;
  /** KV-cache bytes held by the drafter (0 for prompt lookup). */
  readonly kvCacheBytes: number;
};
