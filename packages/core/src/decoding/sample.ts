import type { DecoderSession } from '../runtime/decoder-session.ts';
import { sampleCategorical } from '../sampling/categorical.ts';
import { type SamplingParams, toProbabilities } from '../sampling/logits-processors.ts';
import { SeededRng } from '../sampling/seeded-rng.ts';
import { chooserStrategy } from './chooser-strategy.ts';
import type { DecodingStrategy, TokenChooser } from './strategy.ts';

export type SampleOptions = SamplingParams & { seed: number };

/** A sampler with its own stream: the same seed and logits give the same tokens on every machine. */
export function sampleChooser(opts: SampleOptions): TokenChooser {
  const rng = new SeededRng(opts.seed);
  return {
    choose: (logits, offset, vocab, history) => sampleCategorical(toProbabilities(logits, offset, vocab, opts, history), rng),
  };
}

/** Ancestral sampling with temperature, top-k, top-p and repetition penalty; each request restarts the seed. */
export function sampleStrategy(session: DecoderSession, opts: SampleOptions & { useCache: boolean }): DecodingStrategy {
  return chooserStrategy('sample', session, opts.useCache, () => sampleChooser(opts));
}
