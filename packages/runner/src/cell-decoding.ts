import {
  chooserFactory,
  createStrategy,
  type DecoderSession,
  DecodingConfigError,
  type Generation,
  generate,
  generateBatch,
  type ModelPool,
  type ResolvedModel,
  type ResolveOptions,
  resolveModel,
  type TextTokenizer,
} from '@inferlab/core';
import type { CellConfig } from '@inferlab/experiments';
import { prepareCellSegmented } from './cell-segmented.ts';

export type CellDecodingSpec = Pick<CellConfig, 'decoding' | 'variant' | 'maxNewTokens' | 'batchSize' | 'device' | 'threads'>;

/** Runs a group of up to batchSize prompts: alone (any strategy) or as one static batch (greedy, sample). */
export type RunGroup = (prompts: readonly string[]) => Promise<Generation[]>;

/** The cell's decoding, ready to run: loads the draft model (same dtype and device) when speculative. */
export async function prepareCellDecoding(
  spec: CellDecodingSpec,
  target: { model?: ResolvedModel | undefined; session: DecoderSession; tokenizer: TextTokenizer },
  ctx: ResolveOptions & { pool: ModelPool },
): Promise<RunGroup> {
  const { session, tokenizer } = target;
  const eosTokenIds = session.config.eosTokenIds;
  const { decoding, maxNewTokens } = spec;
  // Batching greedy or sample on the KV cache only: cellIssues (experiments) refused the rest.
  if (spec.batchSize > 1) {
    const newChooser = chooserFactory(decoding);
    return (prompts) => generateBatch(session, tokenizer, prompts, { maxNewTokens, newChooser, eosTokenIds });
  }
  let draft: DecoderSession | undefined;
  if (decoding.strategy === 'speculative') {
    // Loading the draft must not evict (and release) the target the strategy is about to use.
    if (ctx.pool.capacity < 2) throw new DecodingConfigError('speculative decoding needs a model cache of at least 2 (WORKER_MODEL_CACHE)');
    const resolved = await resolveModel(decoding.draft, spec.variant.dtype, ctx);
    draft = (await ctx.pool.get(resolved, { threads: spec.threads, executionProvider: spec.device })).session;
  }
  const segmented = await prepareCellSegmented(spec, target, ctx.pool);
  const strategy = createStrategy(decoding, { target: session, draft, segmented, useCache: spec.variant.cache });
  return async (prompts) => {
    const out: Generation[] = [];
    for (const p of prompts) out.push(await generate(tokenizer, p, { maxNewTokens, strategy, eosTokenIds }));
    return out;
  };
}
