import type { DecoderSession } from '../runtime/decoder-session.ts';
import { NEUTRAL_SAMPLING } from '../sampling/logits-processors.ts';
import { beamSearchStrategy } from './beam-search.ts';
import type { DecodingConfig } from './decoding-config.ts';
import { greedyChooser, greedyStrategy } from './greedy.ts';
import { modelDrafter } from './model-drafter.ts';
import { promptLookupDrafter } from './prompt-lookup-drafter.ts';
import { sampleChooser, sampleStrategy } from './sample.ts';
import { speculativeStrategy } from './speculative.ts';
import type { DecodingStrategy, TokenChooser } from './strategy.ts';

export class DecodingConfigError extends Error {
  override readonly name = 'DecodingConfigError';
}

export type StrategyModels = { target: DecoderSession; draft?: DecoderSession | undefined; useCache: boolean };

/** The strategy object for a cell's decoding config (an explicit factory, no lookup by name). */
export function createStrategy(config: DecodingConfig, models: StrategyModels): DecodingStrategy {
  const { target, useCache } = models;
  switch (config.strategy) {
    case 'greedy':
      return greedyStrategy(target, { useCache });
    case 'sample':
      return sampleStrategy(target, { ...config, useCache });
    case 'beam':
      // The beams' cache rows are what gets reordered; a cache-free beam search is not implemented.
      if (!useCache) throw new DecodingConfigError('beam search runs with the KV cache only: use a variant with cache: true');
      return beamSearchStrategy(target, config);
    case 'speculative': {
      const draft = models.draft;
      if (draft === undefined) throw new DecodingConfigError(`speculative decoding needs the draft model ${config.draft} loaded`);
      if (draft.config.vocabSize !== target.config.vocabSize) {
        throw new DecodingConfigError(
          `draft ${config.draft} has a vocabulary of ${draft.config.vocabSize}, the target ${target.config.vocabSize}: a draft must share the target's tokenizer`,
        );
      }
      const sampling =
        config.verification === 'stochastic' ? { ...NEUTRAL_SAMPLING, temperature: config.temperature ?? 1, seed: config.seed ?? 0 } : null;
      return speculativeStrategy(
        'speculative',
        target,
        (rng) => modelDrafter(draft, sampling === null ? null : { params: sampling, rng }),
        { k: config.k, adaptiveK: config.adaptiveK, sampling, useCache },
        Math.min(target.config.maxPositions, draft.config.maxPositions),
      );
    }
    case 'prompt-lookup':
      return speculativeStrategy('prompt-lookup', target, () => promptLookupDrafter(config.ngram), {
        k: config.k,
        adaptiveK: false,
        sampling: null,
        useCache,
      });
  }
}

/** A fresh per-request chooser, for the batch loops; only for BATCHABLE_STRATEGIES. */
export function chooserFactory(config: DecodingConfig): () => TokenChooser {
  if (config.strategy === 'greedy') return () => greedyChooser;
  if (config.strategy === 'sample') return () => sampleChooser(config);
  throw new DecodingConfigError(`${config.strategy} cannot run batched: batch sizes above 1 need greedy or sample`);
}
