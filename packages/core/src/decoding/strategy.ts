/**
 * A decoding strategy turns the logits of the last position into the next token(s).
 * The decode loop owns the model calls; strategies own only the choice.
 */
export type DecodingStrategy = {
  readonly name: string;
  /** `logits`: (vocab) of the last position. Returns the chosen token id. */
  next(logits: Float32Array, offset: number, vocab: number): number;
};
