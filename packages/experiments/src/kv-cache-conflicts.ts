import { canonicalJson } from './canonical-json.ts';
import { KV_INT8_WEIGHT_DTYPES } from './cell-config.ts';
import { EXIT_HEAD_STRATEGIES } from './decoding-schema.ts';
import { parseModelId } from './model-id.ts';

// Combinations a `kvCacheDtype: 'int8'` variant cannot run, as matrix issues on that field: the
// int8 KV cache is a graph built by forge (packages/core/src/forge/gpt2-kv-int8.ts) and fed by our
// engine, so it needs the cache, our engine, a forge model and weights with an int8-KV twin.

type MatrixLike = {
  models: readonly string[];
  variants: readonly { dtype: string; cache: boolean; kvCacheDtype?: string }[];
  engines: readonly string[];
  decoding: readonly { strategy: string }[];
};

export function kvCacheConflicts(m: MatrixLike): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const nonForge = m.models.filter((id) => parseModelId(id)?.kind !== 'forge');
  // kvCacheDtype "fp32" is the default spelled out: the same cell as the variant without it.
  const seen = new Map<string, number>();
  m.variants.forEach((v, i) => {
    const key = JSON.stringify([v.dtype, v.cache, v.kvCacheDtype ?? 'fp32']);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else if (canonicalJson(m.variants[first]) !== canonicalJson(v)) {
      out.push({ path: ['variants', i], message: `same variant as item ${first} (kvCacheDtype defaults to "fp32"); list each once` });
    }
  });
  m.variants.forEach((v, i) => {
    if (v.kvCacheDtype !== 'int8') return;
    const issue = (message: string) => out.push({ path: ['variants', i, 'kvCacheDtype'], message });
    if (!v.cache) issue('kvCacheDtype int8 needs the KV cache; set cache: true or kvCacheDtype "fp32"');
    if (!KV_INT8_WEIGHT_DTYPES.includes(v.dtype as never)) {
      issue(
        `kvCacheDtype int8 runs with dtype ${KV_INT8_WEIGHT_DTYPES.join(' or ')} weights, not ${v.dtype}; change dtype or use kvCacheDtype "fp32"`,
      );
    }
    if (m.engines.includes('transformers.js')) {
      issue('kvCacheDtype int8 runs on the inferlab engine only; drop "transformers.js" from engines or use kvCacheDtype "fp32"');
    }
    const segmented = m.decoding.filter((d) => EXIT_HEAD_STRATEGIES.includes(d.strategy)).map((d) => d.strategy);
    if (segmented.length > 0) {
      issue(
        `kvCacheDtype int8 does not run ${segmented.join(', ')} (layer segments keep a float32 cache); submit those with kvCacheDtype "fp32"`,
      );
    }
    if (nonForge.length > 0) {
      issue(`kvCacheDtype int8 needs a forge-built graph, and models has ${nonForge.join(', ')}; submit those with kvCacheDtype "fp32"`);
    }
  });
  return out;
}
