import {
  BATCHABLE_STRATEGIES,
  chooserFactory,
  createStrategy,
  type DecoderSession,
  type DecodingConfig,
  DecodingConfigError,
  type ExecutionProvider,
  type Generation,
  generate,
  generateBatch,
  type ModelPool,
  type ResolvedModel,
  type ResolveOptions,
  resolveModel,
  type TextTokenizer,
  type Variant,
} from '@inferlab/core';
import { prepareCellSegmented } from './cell-segmented.ts';

export type CellDecodingSpec = {
  decoding: DecodingConfig;
  variant: { dtype: Variant; cache: boolean };
  maxNewTokens: number;
  batchSize: number;
  device: ExecutionProvider;
  threads: number;
};

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
  if (spec.batchSize > 1) {
    if (!BATCHABLE_STRATEGIES.includes(decoding.strategy)) {
      throw new DecodingConfigError(`batch size ${spec.batchSize} with ${decoding.strategy}: batching runs greedy or sample only`);
    }
    if (!spec.variant.cache) throw new DecodingConfigError(`batch size ${spec.batchSize} needs the KV cache (variant cache: true)`);
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
  // Layer segments are float32-cache graphs of their own: they would not run the int8 cache asked for.
  if (target.model?.kvCacheDtype === 'int8' && (decoding.strategy === 'early-exit' || decoding.strategy === 'self-speculative')) {
    throw new DecodingConfigError(`${decoding.strategy} runs on layer segments with a float32 KV cache; use kvCacheDtype "fp32"`);
  }
  const segmented = await prepareCellSegmented(spec, target, ctx.pool);
  const strategy = createStrategy(decoding, { target: session, draft, segmented, useCache: spec.variant.cache });
  return async (prompts) => {
    const out: Generation[] = [];
    for (const p of prompts) out.push(await generate(tokenizer, p, { maxNewTokens, strategy, eosTokenIds }));
    return out;
  };
}
