import { KV_INT8_WEIGHT_DTYPES } from '../cell-config.ts';
import { EXIT_HEAD_STRATEGIES } from '../decoding-schema.ts';
import { parseModelId } from '../model-id.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';

// The int8 KV cache is a graph built by forge (core/src/forge/gpt2-kv-int8.ts) and fed by our
// engine (engine-rule.ts): it needs the cache, a forge model and weights with an int8-KV twin.
export const kvInt8Rule: CellRule = (cell) => {
  const { variant, decoding, model } = cell;
  if (variant.kvCacheDtype !== 'int8') return [];
  const out: CellIssue[] = [];
  const issue = (message: string) => out.push({ path: 'variant.kvCacheDtype', message });
  if (!variant.cache) issue('kvCacheDtype int8 needs the KV cache; set cache: true or kvCacheDtype "fp32"');
  if (!(KV_INT8_WEIGHT_DTYPES as readonly string[]).includes(variant.dtype)) {
    issue(
      `kvCacheDtype int8 runs with dtype ${KV_INT8_WEIGHT_DTYPES.join(' or ')} weights, not ${variant.dtype}; change dtype or use kvCacheDtype "fp32"`,
    );
  }
  if (EXIT_HEAD_STRATEGIES.includes(decoding.strategy)) {
    issue(
      `kvCacheDtype int8 does not run ${decoding.strategy} (layer segments keep a float32 cache); submit those with kvCacheDtype "fp32"`,
    );
  }
  if (parseModelId(model)?.kind !== 'forge') {
    issue(`kvCacheDtype int8 needs a forge-built graph, and models has ${model}; submit those with kvCacheDtype "fp32"`);
  }
  return out;
};
