export {
  FORGE_FORMAT_VERSION,
  type ForgeManifest,
  MODEL_FILE,
  MODEL_INT8_FILE,
  MODEL_Q4_FILE,
  MODEL_UINT8_FILE,
} from './build-gpt2-folder.ts';
export {
  FORGE_MANIFEST_FILE,
  ForgeBuildError,
  type ForgeOptions,
  forgeModel,
  forgeModelDir,
  readForgeManifest,
} from './forge-model.ts';
export {
  FORGE_MODELS,
  type ForgeModelName,
  type ForgeSpec,
  forgeSpec,
  type Gpt2Spec,
  isForgeModelName,
  UnknownForgeModelError,
} from './forge-models.ts';
export {
  ensureForgeVariant,
  readVariantManifest,
  VARIANT_BUILD_VERSION,
  type VariantManifest,
  variantManifestPath,
} from './forge-variant.ts';
export { buildGpt2Model, type Gpt2GraphOptions } from './gpt2-graph.ts';
export { GPT2_EOS_ID, GPT2_EOS_TOKEN } from './gpt2-tokenizer-files.ts';
export { gpt2ParamCount, gpt2Weights } from './gpt2-weights.ts';
export { ensureKvInPlaceFile, KV_IN_PLACE_BUILD_VERSION, KvInPlaceUnsupportedError, kvInPlaceFile } from './kv-in-place-files.ts';
export {
  ensureKvInt8File,
  isKvInt8WeightDtype,
  KV_INT8_FILES,
  KvInt8UnsupportedError,
  type KvInt8WeightDtype,
} from './kv-int8-files.ts';
export { buildLlamaFolder } from './llama/build-llama-folder.ts';
export { llamaConfig } from './llama/llama-config-files.ts';
export { buildLlamaModel } from './llama/llama-graph.ts';
export { checkLlamaSpec, type LlamaSpec, LlamaSpecError } from './llama/llama-spec.ts';
export { type LlamaWeights, llamaParamCount, llamaWeights } from './llama/llama-weights.ts';
