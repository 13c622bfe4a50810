import { join } from 'node:path';
import { readModelFile } from '../onnx/index.ts';
import { VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { buildOnce, type DerivedEntry, publishDerived, readDerivedEntry } from './derived-file.ts';
import { ForgeBuildError, readForgeManifest } from './forge-model.ts';

// Variants forge does not write eagerly (VARIANT_SPECS[v].eager false: fp16, q8, per-tensor and
// asymmetric int8, q4 block 64/128) are built from onnx/model.onnx the first time a cell asks and
// cached in the folder (derived-file.ts: atomic, with a manifest entry <folder>/variants/<dtype>.json).
// Building all of them for gpt2-small up front would cost minutes and ~1.5 GB.

/**
 * Bumped when a lazily built variant's bytes change for the same forge fp32 file; old entries
 * rebuild. Not bumped for Gemm → MatMul (quantization/gemm-to-matmul.ts): forge graphs have no
 * Gemm; the derived cache of other folders, which has them, keeps its own (model/derived-variant.ts).
 */
export const VARIANT_BUILD_VERSION = 1;

export type VariantManifest = DerivedEntry & {
  variant: Variant;
  /** VARIANT_SPECS[variant].scheme when built: a registry change of options (block, accuracy level) rebuilds. */
  scheme: string;
  builtAt: string;
  buildMs: number;
  /** The rewriter's report (per-layer quantization error …). */
  report: object | null;
};

export function variantManifestPath(folder: string, variant: Variant): string {
  return join(folder, 'variants', `${variant}.json`);
}

/** The manifest entry of a built, current variant file; null when absent, stale or not matching the file. */
export function readVariantManifest(folder: string, variant: Variant): VariantManifest | null {
  const m = readDerivedEntry<VariantManifest>(folder, variantManifestPath(folder, variant), VARIANT_BUILD_VERSION);
  return m !== null && m.file === VARIANT_SPECS[variant].file && m.scheme === VARIANT_SPECS[variant].scheme ? m : null;
}

/** Path of `variant`'s file in forge folder `folder`, building and caching it first when needed. */
export function ensureForgeVariant(folder: string, variant: Variant): Promise<string> {
  const spec = VARIANT_SPECS[variant];
  const file = join(folder, spec.file);
  if (spec.eager) return Promise.resolve(file); // written with the folder
  return buildOnce(file, () => (readVariantManifest(folder, variant) === null ? buildVariant(folder, variant) : file));
}

function buildVariant(folder: string, variant: Variant): string {
  const spec = VARIANT_SPECS[variant];
  const source = readForgeManifest(folder)?.files[MODEL_FILE];
  if (source === undefined) throw new ForgeBuildError(`${folder} is not a current forge folder (no ${MODEL_FILE} in its manifest)`);
  const started = performance.now();
  try {
    const { model, report } = spec.build(readModelFile(join(folder, MODEL_FILE)));
    publishDerived<VariantManifest>(folder, spec.file, variantManifestPath(folder, variant), model, (written) => ({
      variant,
      buildVersion: VARIANT_BUILD_VERSION,
      scheme: spec.scheme,
      file: spec.file,
      bytes: written.bytes,
      sha256: written.sha256,
      source: { file: MODEL_FILE, sha256: source.sha256 },
      builtAt: new Date().toISOString(),
      buildMs: performance.now() - started,
      report,
    }));
    return join(folder, spec.file);
  } catch (cause) {
    // A rewriter's refusal (QuantizationError: e.g. fp16 on the CPU provider) keeps its own words.
    if ((cause as Error).name === 'QuantizationError') throw cause;
    throw new ForgeBuildError(`building the ${variant} variant (${spec.scheme}) in ${folder} failed`, { cause });
  }
}
