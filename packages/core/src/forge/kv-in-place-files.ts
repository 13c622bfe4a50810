import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';
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

/** Bumped when the bytes built for the same fp32 file change; old entries rebuild. */
export const KV_IN_PLACE_BUILD_VERSION = 1;

export class KvInPlaceUnsupportedError extends PermanentError {
  override readonly name = 'KvInPlaceUnsupportedError';
}

export const kvInPlaceFile = (variant: Variant) => VARIANT_SPECS[variant].file.replace(/\.onnx$/, '_kvinplace.onnx');
const manifestPath = (folder: string, variant: Variant) => join(folder, 'variants', `${variant}-kvinplace.json`);

/** Path of the in-place-KV graph with `variant` weights in forge folder `folder`, building it first when needed. */
export function ensureKvInPlaceFile(folder: string, variant: Variant): Promise<string> {
  const file = join(folder, kvInPlaceFile(variant));
  const current = () => readDerivedEntry(folder, manifestPath(folder, variant), KV_IN_PLACE_BUILD_VERSION) !== null;
  return buildOnce(file, () => (current() ? file : build(folder, variant)));
}

function build(folder: string, variant: Variant): string {
  const forge = readForgeManifest(folder);
  const source = forge?.files[MODEL_FILE];
  if (forge === null || source === undefined) {
    throw new KvInPlaceUnsupportedError(`the in-place KV cache needs a forge-built graph; ${folder} is not a current forge folder`);
  }
  const spec = forgeSpec(forge.forge);
  const rel = kvInPlaceFile(variant);
  try {
    const weights = readFloatWeights(join(folder, MODEL_FILE));
    const options = { kvLayout: 'in-place', logitsToKeep: true } as const;
    const graph = spec.family === 'gpt2' ? buildGpt2Model(spec, weights, options) : buildLlamaModel(spec, weights, options);
    publishDerived<DerivedEntry>(folder, rel, manifestPath(folder, variant), VARIANT_SPECS[variant].build(graph).model, (written) => ({
      buildVersion: KV_IN_PLACE_BUILD_VERSION,
      file: rel,
      ...written,
      source: { file: MODEL_FILE, sha256: source.sha256 },
    }));
    return join(folder, rel);
  } catch (cause) {
    throw new ForgeBuildError(`building the in-place-KV graph (${variant} weights) in ${folder} failed`, { cause });
  }
}
