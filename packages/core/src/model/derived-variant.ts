import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { buildOnce, publishDerived, readDerivedEntry } from '../forge/derived-file.ts';
import type { VariantManifest } from '../forge/forge-variant.ts';
import { fileSha256 } from '../metrics/model-files.ts';
import { readModelFile } from '../onnx/index.ts';
import { VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';

// A weight variant a hub or dir: folder has no file for (int8, q4, … of a user's own export) is
// built from the folder's fp32 graph into the platform's cache, `<modelsDir>/derived/<sha256 of the
// source graph>/`, never into the folder itself: it may be the user's, read-only, or shared. Keyed
// by the source's bytes, the same export copied to two places builds once, and an edited export
// builds again. Atomic and checked like forge's own lazily built variants (forge/derived-file.ts).

/**
 * Bumped when a variant built here changes bytes for the same source graph; old entries rebuild. Its
 * own number, not forge's VARIANT_BUILD_VERSION (this cache wrote that one's 1 until then): 2: the
 * weight variants quantize a torch export's Gemm weights too (quantization/gemm-to-matmul.ts), so a
 * hub GPT-2's q4 is q4 and not fp32 blocks around a q4 head. Forge graphs have no Gemm, so forge's
 * own lazily built variants keep their bytes and their number.
 */
export const DERIVED_VARIANT_BUILD_VERSION = 2;

export class VariantBuildError extends PermanentError {
  override name = 'VariantBuildError';
}

const shaMemo = new Map<string, Promise<string>>();

/** sha256 of a file, remembered per path, size and mtime (hashing a 500 MB graph per cell would cost seconds). */
function sourceSha256(file: string): Promise<string> {
  const st = statSync(file);
  const key = `${file}|${st.size}|${st.mtimeMs}`;
  let sha = shaMemo.get(key);
  if (sha === undefined) {
    sha = fileSha256(file);
    shaMemo.set(key, sha);
    sha.catch(() => shaMemo.delete(key));
  }
  return sha;
}

/** The path of `variant` built from `source` (a folder's fp32 graph) in `<modelsDir>/derived/<sha256>/`. */
export async function ensureDerivedVariant(source: string, variant: Variant, modelsDir: string): Promise<string> {
  const spec = VARIANT_SPECS[variant];
  const sha = await sourceSha256(source);
  const folder = join(modelsDir, 'derived', sha);
  const entryPath = join(folder, 'variants', `${variant}.json`);
  const file = join(folder, spec.file);
  const current = () => {
    const entry = readDerivedEntry<VariantManifest>(folder, entryPath, DERIVED_VARIANT_BUILD_VERSION, sha);
    return entry !== null && entry.file === spec.file && entry.scheme === spec.scheme;
  };
  return buildOnce(file, () => {
    if (current()) return file;
    const started = performance.now();
    try {
      const { model, report } = spec.build(readModelFile(source));
      publishDerived<VariantManifest>(folder, spec.file, entryPath, model, (written) => ({
        variant,
        buildVersion: DERIVED_VARIANT_BUILD_VERSION,
        scheme: spec.scheme,
        file: spec.file,
        bytes: written.bytes,
        sha256: written.sha256,
        source: { file: source, sha256: sha },
        builtAt: new Date().toISOString(),
        buildMs: performance.now() - started,
        report,
      }));
      return file;
    } catch (cause) {
      if ((cause as Error).name === 'QuantizationError') throw cause;
      throw new VariantBuildError(`building the ${variant} variant (${spec.scheme}) of ${source} failed: ${(cause as Error).message}`, {
        cause,
      });
    }
  });
}
