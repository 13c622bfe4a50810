import type { Quality } from '@inferlab/experiments';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { fileSha256 } from '../metrics/model-files.ts';
import { qualityCachePath, readQualityCache, writeQualityCache } from '../metrics/quality-cache.ts';
import type { ResolvedModel } from '../model/resolve-model.ts';
import type { SessionOptions } from '../runtime/decoder-session.ts';
import type { ModelPool } from '../runtime/model-pool.ts';
import { EVAL_PROMPT, EVAL_TEXT, EVAL_TEXT_VERSION } from './eval-text.ts';
import { commonPrefixLength, perplexity, teacherForcedQuality } from './quality-metrics.ts';
import { teacherForcedLogits } from './teacher-forced-logits.ts';

// Quality of one (model, variant) against the same model's fp32 file, computed once and cached
// next to the model (docs/metrics.md "Quality"). fp32 against itself: agreement 1, KL 0, full prefix.

export const GREEDY_PREFIX_TOKENS = 32;

export async function measureModelQuality(
  variant: ResolvedModel,
  reference: ResolvedModel,
  pool: ModelPool,
  options: SessionOptions,
): Promise<Quality> {
  const key = [EVAL_TEXT_VERSION, GREEDY_PREFIX_TOKENS, await fileSha256(variant.file), await fileSha256(reference.file)].join('|');
  // The int8 KV cache is its own file, so its numbers are cached under their own name.
  const cachePath = qualityCachePath(variant.folder, variant.kvCacheDtype === 'int8' ? `${variant.variant}-kvint8` : variant.variant);
  const cached = readQualityCache<Quality>(cachePath, key);
  if (cached !== null) return cached;

  const ref = await pool.get(reference, options);
  const ids = ref.tokenizer.encode(EVAL_TEXT).slice(0, ref.session.config.maxPositions);
  const vocab = ref.session.config.vocabSize;
  const greedy = async (m: typeof ref) => {
    const strategy = greedyStrategy(m.session, { useCache: true });
    return (await generate(m.tokenizer, EVAL_PROMPT, { maxNewTokens: GREEDY_PREFIX_TOKENS, strategy, eosTokenIds: [] })).outputTokenIds;
  };
  const refLogits = await teacherForcedLogits(ref.session, ids);
  const refTokens = await greedy(ref);
  const perplexityFp32 = perplexity(refLogits, ids, vocab);
  let quality: Quality;
  if (variant.file === reference.file) {
    const positions = ids.length - 1;
    quality = {
      evalText: EVAL_TEXT_VERSION,
      reference: 'fp32',
      positions,
      perplexity: perplexityFp32,
      perplexityFp32,
      perplexityDelta: 0,
      top1Agreement: 1,
      meanKl: 0,
      greedyPrefix: refTokens.length,
      greedyTokens: refTokens.length,
    };
  } else {
    const m = await pool.get(variant, options);
    const tf = teacherForcedQuality(refLogits, await teacherForcedLogits(m.session, ids), ids, vocab);
    const tokens = await greedy(m);
    quality = {
      evalText: EVAL_TEXT_VERSION,
      reference: 'fp32',
      positions: tf.positions,
      perplexity: tf.perplexity,
      perplexityFp32,
      perplexityDelta: tf.perplexity - perplexityFp32,
      top1Agreement: tf.top1Agreement,
      meanKl: tf.meanKl,
      greedyPrefix: commonPrefixLength(tokens, refTokens),
      greedyTokens: refTokens.length,
    };
  }
  writeQualityCache(cachePath, key, quality);
  return quality;
}
