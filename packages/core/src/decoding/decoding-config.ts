/** A cell's decoding strategy and its parameters (the matrix's `decoding` axis; docs/contracts.md). */
export type DecodingConfig =
  | { strategy: 'greedy' }
  | { strategy: 'sample'; temperature: number; topK: number; topP: number; repetitionPenalty: number; seed: number }
  | { strategy: 'beam'; numBeams: number; lengthPenalty: number; earlyStopping: boolean }
  | {
      strategy: 'speculative';
      /** Model id of the draft model (same tokenizer and vocabulary as the target). */
      draft: string;
      k: number;
      adaptiveK: boolean;
      verification: 'greedy' | 'stochastic';
      /** Stochastic verification only; default 0 and 1. */
      seed?: number | undefined;
      temperature?: number | undefined;
    }
  | { strategy: 'prompt-lookup'; ngram: number; k: number }
  | {
      strategy: 'early-exit';
      heads: string /* version; 'untrained' = identity heads */;
      exitLayers: number[] /* blocks after which a head may exit, ascending, each in 1..nLayer-1 */;
      criterion: 'max-prob' | 'entropy' | 'margin';
      threshold: number;
    }
  | { strategy: 'self-speculative'; heads: string; exitLayer: number; k: number; adaptiveK: boolean };

/** Strategies that choose each token from one row of logits, and so can run rows side by side in a batch. */
export const BATCHABLE_STRATEGIES: readonly DecodingConfig['strategy'][] = ['greedy', 'sample'];
