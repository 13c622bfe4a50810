import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { type KvCacheDtype, PermanentError } from '@inferlab/experiments';
import { ensureForgeVariant, forgeModel } from '../forge/index.ts';
import { VARIANT_FILES, VARIANT_SPECS, type Variant } from '../quantization/variant-files.ts';
import { parseModelId } from './model-id.ts';
import { ModelUnavailableError, resolveHfModel } from './resolve-hf.ts';

export { VARIANT_FILES, type Variant } from '../quantization/variant-files.ts';

export type ResolveOptions = {
  /** Where forge and hub models are cached: `<modelsDir>/forge/…`, `<modelsDir>/hf/…`. */
  modelsDir: string;
  /** `dir:` models must live under one of these (after resolving symlinks). */
  modelRoots: readonly string[];
};

export type ResolvedModel = {
  id: string;
  folder: string;
  file: string;
  variant: Variant;
  /** 'int8': `file` is the forge int8-KV-cache graph of this variant (resolve-kv-cache.ts); absent: fp32. */
  kvCacheDtype?: KvCacheDtype;
};

export class ModelPathError extends PermanentError {
  override name = 'ModelPathError';
}

function insideRoots(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    if (!existsSync(root)) return false;
    const rel = relative(realpathSync(root), path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

/** model id + variant → a local HF-layout folder and the ONNX file to load. */
export async function resolveModel(id: string, variant: Variant, opts: ResolveOptions): Promise<ResolvedModel> {
  const parsed = parseModelId(id);
  let folder: string;
  switch (parsed.kind) {
    case 'forge':
      folder = await forgeModel(parsed.name, { cacheDir: opts.modelsDir });
      await ensureForgeVariant(folder, variant); // the non-eager variants are built on first use
      break;
    case 'hf':
      folder = await resolveHfModel(parsed.repo, join(opts.modelsDir, 'hf'), variant);
      break;
    case 'dir': {
      // One answer for a folder outside the roots, a symlink out of them and a path that does not
      // exist: the submitter learns nothing about the worker's files, its roots or its working directory.
      const abs = resolvePath(parsed.path);
      const real = existsSync(abs) ? realpathSync(abs) : null;
      if (real === null || !insideRoots(real, opts.modelRoots)) {
        throw new ModelPathError(
          `${id} is not an allowed model folder: dir: models must be existing folders under the worker's INFERLAB_MODEL_ROOTS (or INFERLAB_MODELS_DIR)`,
        );
      }
      folder = real;
      break;
    }
  }
  const file = join(folder, VARIANT_FILES[variant]);
  if (!existsSync(file)) {
    throw new ModelUnavailableError(
      `${id} has no ${variant} variant: ${file} does not exist (${VARIANT_SPECS[variant].scheme}); ` +
        'only forge: models build missing variants on demand, so add that file to the folder or pick a dtype it has',
    );
  }
  return { id, folder, file, variant };
}
