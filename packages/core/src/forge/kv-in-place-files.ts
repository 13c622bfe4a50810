import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type KvCacheDtype, PermanentError } from '@inferlab/experiments';
import { fileSha256 } from '../metrics/model-files.ts';
import { type ModelProto, readModelFile } from '../onnx/index.ts';
import { VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';
import { KvInPlaceRewriteError, rewriteKvInPlace } from '../runtime/kv-in-place-rewrite.ts';
import { LogitsToKeepRewriteError, rewriteLogitsToKeep } from '../runtime/logits-to-keep.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { buildOnce, type DerivedEntry, publishDerived, readDerivedEntry } from './derived-file.ts';
import { ForgeBuildError, readForgeManifest } from './forge-model.ts';
import { type ForgeSpec, forgeSpec } from './forge-models.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { llamaSpecFromConfig } from './import/llama-config-fields.ts';
import { specFromConfig } from './import/read-gpt2-checkpoint.ts';
import { buildLlamaModel } from './llama/llama-graph.ts';
import { floatWeightsOf } from './read-float-weights.ts';

// The in-place-KV graphs of a folder, with num_logits_to_keep, built on first use like the int8-KV
// ones (kv-int8-files.ts), then the variant's own rewrite (int8, q4 … rewrite any MatMul on an
// initializer), so every weight variant has an in-place twin onnx/<variant file>_kvinplace.onnx.
// A graph our builders wrote (forge, an imported checkpoint, a trained model) is rebuilt from its
// weights (gpt2-graph.ts / llama-graph.ts kvLayout 'in-place': the 1/√hd scale folded into q, the
// int8 cache available); any other decoder with Optimum's I/O (a hub export) is rewritten
// (runtime/kv-in-place-rewrite.ts: its own nodes, the Concat of the cache split away).
// Manifest entries variants/<variant>-kvinplace.json.

/** How an in-place graph was made: rebuilt from the weights by our builders, or the folder's own graph rewritten. */
type InPlaceMethod = 'rebuilt' | 'rewritten';
type InPlaceEntry = DerivedEntry & { method?: InPlaceMethod };

/**
 * Bumped when the bytes built for the same fp32 file change; old entries rebuild. One number per
 * method, so a change to one kind does not rebuild the other (entries older than the rewrite carry
 * no method: they were rebuilt). Rebuilt: 2: a dynamically quantized head computes every row again
 * (keepLogitRows), as the concat graph of its variant does. 3: q4 weights at MatMulNBits accuracy
 * level 4 (quantization/variant-files.ts). Rewritten (first written at 3): 4: the variant builds
 * quantize a torch export's Gemm weights too (quantization/gemm-to-matmul.ts) — our builders write
 * no Gemm, so rebuilt graphs keep their bytes and their number.
 */
export const KV_IN_PLACE_BUILD_VERSION: Readonly<Record<InPlaceMethod, number>> = { rebuilt: 3, rewritten: 4 };

export class KvInPlaceUnsupportedError extends PermanentError {
  override readonly name = 'KvInPlaceUnsupportedError';
}

/** onnx/<weights file>_kvinplace.onnx; with the int8 cache onnx/<weights file>_kvint8_kvinplace.onnx. */
export const kvInPlaceFile = (variant: Variant, kv: KvCacheDtype = 'fp32') =>
  VARIANT_SPECS[variant].file.replace(/\.onnx$/, kv === 'int8' ? '_kvint8_kvinplace.onnx' : '_kvinplace.onnx');
const manifestPath = (folder: string, variant: Variant, kv: KvCacheDtype) =>
  join(folder, 'variants', `${variant}${kv === 'int8' ? '-kvint8' : ''}-kvinplace.json`);

/**
 * Path of the in-place-KV graph with `variant` weights (and a `kv` cache) of `folder`, building it
 * first when needed: beside a forge folder's files, or — for any other folder (an imported
 * checkpoint, a trained model, a hub export; its shape read from config.json) — in the platform's
 * cache `<modelsDir>/derived/<sha256 of its fp32 graph>/`, never into the folder itself
 * (derived-variant.ts: it may be immutable, read-only or shared).
 */
export async function ensureKvInPlaceFile(
  folder: string,
  variant: Variant,
  kv: KvCacheDtype = 'fp32',
  modelsDir?: string,
  /** The folder's fp32 graph (resolve-model.ts found it: a hub export may have only its merged decoder); default onnx/model.onnx. */
  fp32File: string = join(folder, MODEL_FILE),
): Promise<string> {
  const source = await inPlaceSource(folder, modelsDir, relative(folder, fp32File));
  const file = join(source.outDir, kvInPlaceFile(variant, kv));
  const entry = manifestPath(source.outDir, variant, kv);
  return buildOnce(file, () => (isCurrent(source.outDir, entry, source.sha256) ? file : build(folder, variant, kv, source)));
}

/** Whether the entry is current under the build version of the method it records. */
function isCurrent(outDir: string, entryPath: string, sha256: string): boolean {
  return (['rebuilt', 'rewritten'] as const).some((method) => {
    const e = readDerivedEntry<InPlaceEntry>(outDir, entryPath, KV_IN_PLACE_BUILD_VERSION[method], sha256);
    return e !== null && (e.method ?? 'rebuilt') === method;
  });
}

type InPlaceSource = {
  /** The decoder's shape: our builders' spec when config.json has one they build, else only its layer count. */
  spec: ForgeSpec | { family: 'other'; nLayer: number };
  /** The fp32 graph, relative to the folder: onnx/model.onnx, or a hub export's merged decoder. */
  file: string;
  sha256: string;
  outDir: string;
};

/** The folder's decoder shape, the sha256 of its fp32 graph, and where its derived files go. */
async function inPlaceSource(folder: string, modelsDir: string | undefined, file: string): Promise<InPlaceSource> {
  const forge = readForgeManifest(folder);
  const recorded = forge?.files[MODEL_FILE];
  if (forge !== null && recorded !== undefined) {
    return { spec: forgeSpec(forge.forge), file: MODEL_FILE, sha256: recorded.sha256, outDir: folder };
  }
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new KvInPlaceUnsupportedError(`the in-place KV cache needs the folder's config.json; ${folder} has none readable`, { cause });
  }
  const spec = specOf(config, folder);
  if (modelsDir === undefined)
    throw new KvInPlaceUnsupportedError(`${folder} is not a forge folder: its in-place twin needs the models dir to be built in`);
  const sha256 = await fileSha256(join(folder, file));
  return { spec, file, sha256, outDir: join(modelsDir, 'derived', sha256) };
}

function specOf(config: Record<string, unknown>, folder: string): InPlaceSource['spec'] {
  try {
    if (config.model_type === 'gpt2') return specFromConfig(config);
    if (config.model_type === 'llama') return llamaSpecFromConfig(config);
  } catch {
    // A config our builders do not read (a hub export's extra fields): the rewrite needs only the layer count.
  }
  const layers = config.n_layer ?? config.num_hidden_layers;
  if (typeof layers !== 'number' || !Number.isInteger(layers) || layers < 1) {
    throw new KvInPlaceUnsupportedError(
      `${folder}/config.json has no layer count (n_layer or num_hidden_layers) for the in-place KV cache`,
    );
  }
  return { family: 'other', nLayer: layers };
}

function build(folder: string, variant: Variant, kv: KvCacheDtype, source: InPlaceSource): string {
  const { spec, outDir, sha256 } = source;
  if (kv === 'int8' && spec.family !== 'gpt2')
    throw new KvInPlaceUnsupportedError(`the int8 KV cache is built for forge gpt2 graphs, not ${spec.family}`);
  const { graph, method } = inPlaceGraph(folder, kv, source);
  const rel = kvInPlaceFile(variant, kv);
  try {
    const model = keepLogitRows(VARIANT_SPECS[variant].build(graph).model);
    publishDerived<InPlaceEntry>(outDir, rel, manifestPath(outDir, variant, kv), model, (written) => ({
      buildVersion: KV_IN_PLACE_BUILD_VERSION[method],
      file: rel,
      ...written,
      source: { file: outDir === folder ? source.file : join(folder, source.file), sha256 },
      method,
    }));
    return join(outDir, rel);
  } catch (cause) {
    throw new ForgeBuildError(`building the in-place-KV graph (${variant} weights, ${kv} cache) in ${folder} failed`, { cause });
  }
}

/**
 * Our builders' in-place graph from the folder's weights when they wrote it; else (a hub export,
 * whose weights are named otherwise, or a model family they do not build) the folder's own graph
 * rewritten. Only the rebuilt kind has the int8 cache.
 */
function inPlaceGraph(folder: string, kv: KvCacheDtype, { spec, file }: InPlaceSource): { graph: ModelProto; method: InPlaceMethod } {
  // Decoded once: its weights for a rebuild, else the graph itself for the rewrite.
  const source = readModelFile(join(folder, file));
  let notOurs: unknown;
  if (spec.family !== 'other') {
    try {
      const weights = floatWeightsOf(source);
      const options = { kvLayout: 'in-place' } as const;
      const graph =
        spec.family === 'gpt2' ? buildGpt2Model(spec, weights, { ...options, kvCacheDtype: kv }) : buildLlamaModel(spec, weights, options);
      return { graph, method: 'rebuilt' };
    } catch (cause) {
      notOurs = cause;
    }
  }
  const why = notOurs === undefined ? `a ${spec.family} model` : `not written by inferlab's graph builders (${(notOurs as Error).message})`;
  if (kv === 'int8') {
    throw new KvInPlaceUnsupportedError(`${folder}: ${file} is ${why}; the in-place int8 KV cache is built only from our builders' graphs`);
  }
  try {
    return { graph: rewriteKvInPlace(source, spec.nLayer).model, method: 'rewritten' };
  } catch (cause) {
    if (!(cause instanceof KvInPlaceRewriteError)) throw cause;
    throw new KvInPlaceUnsupportedError(`${folder}: ${file} is ${why}, and its rewrite failed: ${cause.message}`, { cause });
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
