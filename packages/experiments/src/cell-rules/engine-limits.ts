import { type CellConfig, DTYPES, type Dtype, ENGINES, type Engine, KV_CACHE_DTYPES, type KvCacheDtype } from '../cell-config.ts';
import { DECODING_STRATEGIES, MAX_BATCH_SIZE } from '../decoding-schema.ts';

type Strategy = (typeof DECODING_STRATEGIES)[number];
type ScenarioKind = NonNullable<CellConfig['scenario']>['kind'];

/** What one engine can run. A new engine is one entry here (the Record makes it required) and its name in ENGINES. */
export type EngineLimits = {
  strategies: readonly Strategy[];
  maxBatchSize: number;
  /** Weight dtypes it has a file for. */
  dtypes: readonly Dtype[];
  kvCacheDtypes: readonly KvCacheDtype[];
  /** The engine can decode without a KV cache (recomputing the whole sequence each step). */
  runsWithoutCache: boolean;
  scenarios: readonly ScenarioKind[];
};

export const ENGINE_LIMITS: Readonly<Record<Engine, EngineLimits>> = {
  inferlab: {
    strategies: DECODING_STRATEGIES,
    maxBatchSize: MAX_BATCH_SIZE,
    dtypes: DTYPES,
    kvCacheDtypes: KV_CACHE_DTYPES,
    runsWithoutCache: true,
    scenarios: ['single-stream', 'server', 'offline'],
  },
  // The peer baseline: @huggingface/transformers generate() one prompt at a time, greedy, its own float32 cache.
  'transformers.js': {
    strategies: ['greedy'],
    maxBatchSize: 1,
    dtypes: DTYPES,
    kvCacheDtypes: ['fp32'],
    runsWithoutCache: false,
    scenarios: ['single-stream', 'server'],
  },
  // node-llama-cpp, one context sequence: greedy, one prompt at a time, its float32 cache; the GGUF
  // types that match our dtypes (core's LLAMA_CPP_DTYPES; a core test keeps the two lists equal).
  'llama.cpp': {
    strategies: ['greedy'],
    maxBatchSize: 1,
    dtypes: ['fp32', 'fp16', 'q8', 'q4'],
    kvCacheDtypes: ['fp32'],
    runsWithoutCache: false,
    scenarios: ['single-stream', 'server'],
  },
};

/** The engines whose limits allow `ok`, for messages ("runs on the inferlab engine only"). */
export function enginesWhere(ok: (limits: EngineLimits) => boolean): Engine[] {
  return ENGINES.filter((e) => ok(ENGINE_LIMITS[e]));
}
