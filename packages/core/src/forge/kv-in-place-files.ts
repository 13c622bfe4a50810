import { join } from 'node:path';
import { type KvCacheDtype, PermanentError } from '@inferlab/experiments';
import type { ModelProto } from '../onnx/index.ts';
import { VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';
import { LogitsToKeepRewriteError, rewriteLogitsToKeep } from '../runtime/logits-to-keep.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { buildOnce, type DerivedEntry, publishDerived, readDerivedEntry } from './derived-file.ts';
import { ForgeBuildError, readForgeManifest } from './forge-model.ts';
import { forgeSpec } from './forge-models.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { buildLlamaModel } from './llama/llama-graph.ts';
import { readFloatWeights } from './read-float-weights.ts';

// The in-place-KV graphs of a forge folder (gpt2-graph.ts / llama-graph.ts kvLayout 'in-place', with
// num_logits_to_keep), built on first use like the int8-KV ones (kv-int8-files.ts): the weights of
// onnx/model.onnx, then the variant's own rewrite (int8, q4 … rewrite any MatMul on an initializer),
// so every weight variant has an in-place twin onnx/<variant file>_kvinplace.onnx.
// Manifest entries variants/<variant>-kvinplace.json.

/**
 * Bumped when the bytes built for the same fp32 file change; old entries rebuild. 2: a dynamically
 * quantized head computes every row again (keepLogitRows), as the concat graph of its variant does.
 */
export const KV_IN_PLACE_BUILD_VERSION = 2;

export class KvInPlaceUnsupportedError extends PermanentError {
  override readonly name = 'KvInPlaceUnsupportedError';
}

/** onnx/<weights file>_kvinplace.onnx; with the int8 cache onnx/<weights file>_kvint8_kvinplace.onnx. */
export const kvInPlaceFile = (variant: Variant, kv: KvCacheDtype = 'fp32') =>
  VARIANT_SPECS[variant].file.replace(/\.onnx$/, kv === 'int8' ? '_kvint8_kvinplace.onnx' : '_kvinplace.onnx');
const manifestPath = (folder: string, variant: Variant, kv: KvCacheDtype) =>
  join(folder, 'variants', `${variant}${kv === 'int8' ? '-kvint8' : ''}-kvinplace.json`);

/** Path of the in-place-KV graph with `variant` weights (and a `kv` cache) in forge folder `folder`, building it first when needed. */
export function ensureKvInPlaceFile(folder: string, variant: Variant, kv: KvCacheDtype = 'fp32'): Promise<string> {
  const file = join(folder, kvInPlaceFile(variant, kv));
  const current = () => readDerivedEntry(folder, manifestPath(folder, variant, kv), KV_IN_PLACE_BUILD_VERSION) !== null;
  return buildOnce(file, () => (current() ? file : build(folder, variant, kv)));
}

function build(folder: string, variant: Variant, kv: KvCacheDtype): string {
  const forge = readForgeManifest(folder);
  const source = forge?.files[MODEL_FILE];
  if (forge === null || source === undefined) {
    throw new KvInPlaceUnsupportedError(`the in-place KV cache needs a forge-built graph; ${folder} is not a current forge folder`);
  }
  const spec = forgeSpec(forge.forge);
  if (kv === 'int8' && spec.family !== 'gpt2')
    throw new KvInPlaceUnsupportedError(`the int8 KV cache is built for forge gpt2 graphs, not ${spec.family}`);
  const rel = kvInPlaceFile(variant, kv);
  try {
    const weights = readFloatWeights(join(folder, MODEL_FILE));
    const options = { kvLayout: 'in-place' } as const;
    const graph =
      spec.family === 'gpt2' ? buildGpt2Model(spec, weights, { ...options, kvCacheDtype: kv }) : buildLlamaModel(spec, weights, options);
    const model = keepLogitRows(VARIANT_SPECS[variant].build(graph).model);
    publishDerived<DerivedEntry>(folder, rel, manifestPath(folder, variant, kv), model, (written) => ({
      buildVersion: KV_IN_PLACE_BUILD_VERSION,
      file: rel,
      ...written,
      source: { file: MODEL_FILE, sha256: source.sha256 },
    }));
    return join(folder, rel);
  } catch (cause) {
    throw new ForgeBuildError(`building the in-place-KV graph (${variant} weights, ${kv} cache) in ${folder} failed`, { cause });
  }
}

/**
 * num_logits_to_keep on the variant's graph (runtime/logits-to-keep.ts), except where its rewrite
 * refuses: a dynamically quantized head (int8, uint8 …) scales its input over every row it gets, so
 * its kept row would differ from the concat graph's — there every row is computed, as before.
 */
function keepLogitRows(model: ModelProto): ModelProto {
  try {
    return rewriteLogitsToKeep(model);
  } catch (err) {
    if (err instanceof LogitsToKeepRewriteError) return model;
    throw err;
  }
}
