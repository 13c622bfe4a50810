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
export { buildGpt2Model } from './gpt2-graph.ts';
export { GPT2_EOS_ID, GPT2_EOS_TOKEN } from './gpt2-tokenizer-files.ts';
export { gpt2ParamCount, gpt2Weights } from './gpt2-weights.ts';
