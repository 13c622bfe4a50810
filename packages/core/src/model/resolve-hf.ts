import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AutoConfig, AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { isNetworkFailure, PermanentError } from '@inferlab/experiments';
import { transformersJsFileOptions, VARIANT_FILES, type Variant } from '../quantization/variant-files.ts';

// transformers.js words a hub answer of 408, 429 or 5xx this way (utils/hub/constants.js): the hub was
// busy or down, so a later attempt may succeed; 401/403/404 (no such repo or file) will not.
const TRANSIENT_HUB_ANSWER =
  /^(Request timeout|Internal server error|Bad gateway|Service unavailable|Gateway timeout) error occurred|^Error \((408|429|5\d\d)\) occurred/;

/** Permanent (no such repo, files missing), unless the hub could not be reached or was busy: that is retried. */
export class ModelUnavailableError extends PermanentError {
  override name = 'ModelUnavailableError';
  override readonly permanent: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const cause = options?.cause;
    this.permanent = !(isNetworkFailure(cause) || (cause instanceof Error && TRANSIENT_HUB_ANSWER.test(cause.message)));
  }
}

/**
 * Makes `<cacheDir>/<org>/<name>/` a complete HF-layout folder for `repo`, downloading through
 * transformers.js (its file cache writes exactly that layout, and reads it before any network
 * request), so a hub download copied into that folder works on an offline machine.
 */
export async function resolveHfModel(repo: string, cacheDir: string, variant: Variant): Promise<string> {
  const folder = join(cacheDir, repo);
  const file = VARIANT_FILES[variant];
  const needed = ['config.json', 'tokenizer.json', file];
  env.allowRemoteModels = true;
  env.cacheDir = cacheDir;
  try {
    // Both go through transformers.js's file cache first: a cached repo needs no network.
    await AutoConfig.from_pretrained(repo, { cache_dir: cacheDir });
    await AutoTokenizer.from_pretrained(repo, { cache_dir: cacheDir });
    if (!existsSync(join(folder, file))) {
      const model = await AutoModelForCausalLM.from_pretrained(repo, { cache_dir: cacheDir, ...transformersJsFileOptions(variant) });
      await model.dispose();
    }
  } catch (cause) {
    const missing = needed.filter((f) => !existsSync(join(folder, f)));
    throw new ModelUnavailableError(
      `hf:${repo} could not be fetched from the Hugging Face hub (${(cause as Error).message}); ` +
        `missing in the cache: ${missing.join(', ') || 'none'} under ${folder}. ` +
        'On an offline machine, copy a hub download of the repo (config.json, tokenizer.json, onnx/…) into that folder, or use a forge: model.',
      { cause },
    );
  }
  const missing = needed.filter((f) => !existsSync(join(folder, f)));
  if (missing.length > 0) {
    throw new ModelUnavailableError(`hf:${repo} was downloaded but ${missing.join(', ')} is missing under ${folder}`);
  }
  return folder;
}
