import { join } from 'node:path';
import { KV_INT8_WEIGHT_DTYPES, PermanentError } from '@inferlab/experiments';
import { VARIANT_SPECS } from '../quantization/variant-files.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { buildOnce, type DerivedEntry, publishDerived, readDerivedEntry } from './derived-file.ts';
import { ForgeBuildError, readForgeManifest } from './forge-model.ts';
import { forgeSpec } from './forge-models.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { readFloatWeights } from './read-float-weights.ts';

// The int8-KV-cache graphs of a forge GPT-2 folder, built on first use (not with the folder:
// gpt2-small's fp32 file alone is 500 MB): the same weights as onnx/model.onnx, read back from its
// initializers, in the graph of gpt2-kv-int8.ts; the int8-weight one goes through the same
// rewriter as onnx/model_int8.onnx (VARIANT_SPECS.int8.build: rewriteDynamicInt8's defaults).
// Cached like the weight variants (derived-file.ts), with manifest entries variants/<weights>-kvint8.json.

/** Weight dtypes that have an int8-KV graph. */
export type KvInt8WeightDtype = (typeof KV_INT8_WEIGHT_DTYPES)[number];

export const KV_INT8_FILES: Record<KvInt8WeightDtype, string> = {
  fp32: 'onnx/model_kvint8.onnx',
  int8: 'onnx/model_int8_kvint8.onnx',
};

/** Bumped when the bytes built for the same fp32 file change; old entries rebuild. */
export const KV_INT8_BUILD_VERSION = 1;

export class KvInt8UnsupportedError extends PermanentError {
  override readonly name = 'KvInt8UnsupportedError';
}

const manifestPath = (folder: string, weights: KvInt8WeightDtype) => join(folder, 'variants', `${weights}-kvint8.json`);

export function isKvInt8WeightDtype(dtype: string): dtype is KvInt8WeightDtype {
  return (KV_INT8_WEIGHT_DTYPES as readonly string[]).includes(dtype);
}

/** Path of the int8-KV graph with `weights` weights in forge folder `folder`, building it first when needed. */
export function ensureKvInt8File(folder: string, weights: string): Promise<string> {
  if (!isKvInt8WeightDtype(weights)) {
    return Promise.reject(
      new KvInt8UnsupportedError(`the int8 KV cache exists for dtype ${KV_INT8_WEIGHT_DTYPES.join(' or ')} weights, not ${weights}`),
    );
  }
  const file = join(folder, KV_INT8_FILES[weights]);
  const current = () => readDerivedEntry(folder, manifestPath(folder, weights), KV_INT8_BUILD_VERSION) !== null;
  return buildOnce(file, () => (current() ? file : build(folder, weights)));
}

function build(folder: string, weights: KvInt8WeightDtype): string {
  const forge = readForgeManifest(folder);
  const source = forge?.files[MODEL_FILE];
  if (forge === null || source === undefined) {
    throw new KvInt8UnsupportedError(`the int8 KV cache needs a forge-built graph; ${folder} is not a current forge folder`);
  }
  const spec = forgeSpec(forge.forge);
  if (spec.family !== 'gpt2') throw new KvInt8UnsupportedError(`the int8 KV cache is built for forge gpt2 graphs, not ${spec.family}`);
  const rel = KV_INT8_FILES[weights];
  try {
    const kvInt8 = buildGpt2Model(spec, readFloatWeights(join(folder, MODEL_FILE)), { kvCacheDtype: 'int8' });
    const model = VARIANT_SPECS[weights].build(kvInt8).model; // fp32: as is; int8: the registry's rewriteDynamicInt8
    publishDerived<DerivedEntry>(folder, rel, manifestPath(folder, weights), model, (written) => ({
      buildVersion: KV_INT8_BUILD_VERSION,
      file: rel,
      ...written,
      source: { file: MODEL_FILE, sha256: source.sha256 },
    }));
    return join(folder, rel);
  } catch (cause) {
    throw new ForgeBuildError(`building the int8-KV graph (${weights} weights) in ${folder} failed`, { cause });
  }
}
