import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VARIANT_FILES, type Variant } from '../quantization/variant-files.ts';

// What an HF-layout folder needs to run here, in one place: the resolver's checks, the hub download
// list and the "not a model" error all read it, so the error names every file the check wants.

/** Read by the engine (config.json: shapes; the tokenizer files: transformers.js's AutoTokenizer). */
export const REQUIRED_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;

/** Downloaded when the repo has them; a 404 is fine. */
export const OPTIONAL_MODEL_FILES = ['generation_config.json', 'special_tokens_map.json'] as const;

/** Optimum's two decoder layouts: one graph, or the merged decoder (an If on `use_cache_branch`). */
export const SINGLE_GRAPH_FILE = 'onnx/model.onnx';
export const MERGED_GRAPH_FILE = 'onnx/decoder_model_merged.onnx';

/** The files that can hold `variant`, in order of preference: `onnx/model<suffix>.onnx`, then the merged decoder's. */
export function graphCandidates(variant: Variant): string[] {
  const single = VARIANT_FILES[variant];
  return [single, single.replace(/^onnx\/model/, 'onnx/decoder_model_merged')];
}

/** The first candidate present in `folder`, or null. */
export function findGraph(folder: string, variant: Variant): string | null {
  return graphCandidates(variant).find((f) => existsSync(join(folder, f))) ?? null;
}

/** Every required file `folder` lacks, the fp32 graph written as its alternatives; empty when it is a model. */
export function missingModelFiles(folder: string): string[] {
  const missing: string[] = REQUIRED_MODEL_FILES.filter((f) => !existsSync(join(folder, f)));
  if (findGraph(folder, 'fp32') === null) missing.push(`${SINGLE_GRAPH_FILE} (or ${MERGED_GRAPH_FILE})`);
  return missing;
}

/** The sentence every "folder is not a model" error ends with. */
export const MODEL_FOLDER_NEEDS = `a model folder needs ${REQUIRED_MODEL_FILES.join(', ')} and ${SINGLE_GRAPH_FILE} (or ${MERGED_GRAPH_FILE})`;
