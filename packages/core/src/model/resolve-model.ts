import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { type KvCacheDtype, PermanentError } from '@inferlab/experiments';
import { ensureForgeVariant, forgeModel } from '../forge/index.ts';
import { VARIANT_FILES, type Variant } from '../quantization/variant-files.ts';
import { ensureDerivedVariant } from './derived-variant.ts';
import type { DownloadProgress, HubOptions } from './hub/hub-options.ts';
import { findGraph, MODEL_FOLDER_NEEDS, missingModelFiles } from './model-files.ts';
import { parseModelId } from './model-id.ts';
import { ModelUnavailableError, resolveHfModel } from './resolve-hf.ts';
import { resolveTrainedFolder } from './resolve-trained.ts';

export { VARIANT_FILES, type Variant } from '../quantization/variant-files.ts';

export type ResolveOptions = {
  /** Where forge and hub models are cached and trained models published: `<modelsDir>/forge/…`, `<modelsDir>/hf/…`, `<modelsDir>/trained/…`. */
  modelsDir: string;
  /** `dir:` models must live under one of these (after resolving symlinks). */
  modelRoots: readonly string[];
  /** hf: downloads (endpoint, token, offline); absent: huggingface.co, online. */
  hub?: HubOptions | undefined;
  /** Bytes of each hub file as they arrive. */
  onDownload?: ((p: DownloadProgress) => void) | undefined;
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
      folder = await resolveHfModel(parsed.repo, parsed.revision, join(opts.modelsDir, 'hf'), variant, opts);
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
    case 'trained':
      // A trained folder is an imported checkpoint's layout: from here on it is treated as a dir: folder.
      folder = resolveTrainedFolder(id, parsed.name, parsed.version, opts.modelsDir);
      break;
  }
  if (parsed.kind === 'forge') return { id, folder, file: join(folder, VARIANT_FILES[variant]), variant };
  const missing = missingModelFiles(folder);
  if (missing.length > 0) {
    throw new ModelUnavailableError(`${id} is not a model folder: ${folder} lacks ${missing.join(', ')} (${MODEL_FOLDER_NEEDS})`);
  }
  const own = findGraph(folder, variant);
  if (own !== null) return { id, folder, file: join(folder, own), variant };
  // A variant the folder has no file for: built from its fp32 graph into the platform's cache.
  const fp32 = join(folder, findGraph(folder, 'fp32') as string);
  return { id, folder, file: await ensureDerivedVariant(fp32, variant, opts.modelsDir), variant };
}
