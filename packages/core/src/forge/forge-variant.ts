import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VARIANT_SPECS, type Variant } from '../model/variant-files.ts';
import { readModelFile, writeModelFile } from '../onnx/index.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { ForgeBuildError, readForgeManifest } from './forge-model.ts';

// Variants forge does not write eagerly (VARIANT_SPECS[v].eager false: fp16, q8, per-tensor and
// asymmetric int8, q4 block 64/128) are built from onnx/model.onnx the first time a cell asks and
// cached in the folder. Building all of them for gpt2-small up front would cost minutes and ~1.5 GB.
//
// Atomic like forge-model.ts: the ONNX file is written under a unique temp name and renamed into
// place, then its manifest entry (<folder>/variants/<dtype>.json) likewise. The entry is what
// makes a file valid: it names the fp32 file's sha256 it was built from and its own size, so a
// crash between the two renames, or a rebuilt fp32 file, means "build again". Two processes
// racing both build (deterministic, byte-identical) and the last rename wins with equal bytes.

/** Bumped when a lazily built variant's bytes change for the same fp32 file; old entries rebuild. */
export const VARIANT_BUILD_VERSION = 1;

export type VariantManifest = {
  variant: Variant;
  buildVersion: number;
  /** VARIANT_SPECS[variant].scheme when built: a registry change of options (block, accuracy level) rebuilds. */
  scheme: string;
  file: string;
  bytes: number;
  sha256: string;
  /** The fp32 file it was built from (its sha256 from the forge manifest). */
  source: { file: string; sha256: string };
  builtAt: string;
  buildMs: number;
  /** The rewriter's report (per-layer quantization error …). */
  report: object | null;
};

const inFlight = new Map<string, Promise<string>>();

export function variantManifestPath(folder: string, variant: Variant): string {
  return join(folder, 'variants', `${variant}.json`);
}

/** The manifest entry of a built, current variant file; null when absent, stale or not matching the file. */
export function readVariantManifest(folder: string, variant: Variant): VariantManifest | null {
  const forge = readForgeManifest(folder);
  try {
    const m = JSON.parse(readFileSync(variantManifestPath(folder, variant), 'utf8')) as VariantManifest;
    const current =
      m.buildVersion === VARIANT_BUILD_VERSION &&
      m.file === VARIANT_SPECS[variant].file &&
      m.scheme === VARIANT_SPECS[variant].scheme &&
      m.source.sha256 === forge?.files[MODEL_FILE]?.sha256 &&
      statSync(join(folder, m.file)).size === m.bytes;
    return current ? m : null;
  } catch {
    return null;
  }
}

/** Path of `variant`'s file in forge folder `folder`, building and caching it first when needed. */
export function ensureForgeVariant(folder: string, variant: Variant): Promise<string> {
  const spec = VARIANT_SPECS[variant];
  const file = join(folder, spec.file);
  if (spec.eager) return Promise.resolve(file); // written with the folder
  const pending = inFlight.get(file);
  if (pending !== undefined) return pending;
  const job = Promise.resolve()
    .then(() => (readVariantManifest(folder, variant) === null ? buildVariant(folder, variant) : file))
    .finally(() => inFlight.delete(file));
  inFlight.set(file, job);
  return job;
}

function buildVariant(folder: string, variant: Variant): string {
  const spec = VARIANT_SPECS[variant];
  const source = readForgeManifest(folder)?.files[MODEL_FILE];
  if (source === undefined) throw new ForgeBuildError(`${folder} is not a current forge folder (no ${MODEL_FILE} in its manifest)`);
  const file = join(folder, spec.file);
  const suffix = `.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  try {
    const { model, report } = spec.build(readModelFile(join(folder, MODEL_FILE)));
    const written = writeModelFile(`${file}${suffix}`, model);
    renameSync(`${file}${suffix}`, file);
    const manifest: VariantManifest = {
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
    };
    const path = variantManifestPath(folder, variant);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}${suffix}`, `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(`${path}${suffix}`, path);
    return file;
  } catch (cause) {
    // A rewriter's refusal (QuantizationError: e.g. fp16 on the CPU provider) keeps its own words.
    if ((cause as Error).name === 'QuantizationError') throw cause;
    throw new ForgeBuildError(`building the ${variant} variant (${spec.scheme}) in ${folder} failed`, { cause });
  } finally {
    rmSync(`${file}${suffix}`, { force: true });
    rmSync(`${variantManifestPath(folder, variant)}${suffix}`, { force: true });
  }
}
