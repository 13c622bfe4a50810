import { type Decoding, PermanentError } from '@inferlab/experiments';
import { checkExitThreshold, ExitThresholdError } from '../early-exit/confidence.ts';
import type { SegmentedModel } from '../early-exit/segmented-model.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';
import { NEUTRAL_SAMPLING } from '../sampling/logits-processors.ts';
import { beamSearchStrategy } from './beam-search.ts';
import { EarlyExitConfigError, earlyExitStrategy } from './early-exit.ts';
import { greedyChooser, greedyStrategy } from './greedy.ts';
import { modelDrafter } from './model-drafter.ts';
import { promptLookupDrafter } from './prompt-lookup-drafter.ts';
import { sampleChooser, sampleStrategy } from './sample.ts';
import { selfSpeculativeStrategy } from './self-speculative.ts';
import { speculativeStrategy } from './speculative.ts';
import type { DecodingStrategy, TokenChooser } from './strategy.ts';

export class DecodingConfigError extends PermanentError {
  override readonly name = 'DecodingConfigError';
}

export type StrategyModels = {
  target: DecoderSession;
  draft?: DecoderSession | undefined;
  /** early-exit and self-speculative: the target as layer segments with the config's exit heads. */
  segmented?: SegmentedModel | undefined;
  useCache: boolean;
};

function segmentedFor(config: Extract<Decoding, { heads: string }>, models: StrategyModels): SegmentedModel {
  if (models.segmented === undefined) {
    throw new DecodingConfigError(`${config.strategy} needs the target's layer segments and exit heads '${config.heads}' loaded`);
  }
  // Segments carry their own KV cache; there is no cache-free segmented path.
  if (!models.useCache) throw new DecodingConfigError(`${config.strategy} runs with the KV cache only: use a variant with cache: true`);
  return models.segmented;
}

/** The strategy object for a cell's decoding config (an explicit factory, no lookup by name). */
export function createStrategy(config: Decoding, models: StrategyModels): DecodingStrategy {
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
    case 'early-exit':
      return asConfigError(() => {
        checkExitThreshold(config.criterion, config.threshold);
        return earlyExitStrategy(segmentedFor(config, models), config);
      });
    case 'self-speculative':
      if (!Number.isInteger(config.k) || config.k < 1) throw new DecodingConfigError(`decoding.k ${config.k}: must be an integer ≥ 1`);
      return asConfigError(() => selfSpeculativeStrategy(segmentedFor(config, models), config));
  }
}

/** Early-exit validation errors are config errors: a retry cannot fix them (the worker fails the cell at once). */
function asConfigError<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof ExitThresholdError || err instanceof EarlyExitConfigError)
      throw new DecodingConfigError(err.message, { cause: err });
    throw err;
  }
}

/** A fresh per-request chooser, for the batch loops; only for BATCHABLE_STRATEGIES. */
export function chooserFactory(config: Decoding): () => TokenChooser {
  if (config.strategy === 'greedy') return () => greedyChooser;
  if (config.strategy === 'sample') return () => sampleChooser(config);
  throw new DecodingConfigError(`${config.strategy} cannot run batched: batch sizes above 1 need greedy or sample`);
}
