export { gpt2LayerShapes, HF_GPT2_NAMES, HF_PREFIX } from './gpt2-hf-layout.ts';
export { type Gpt2ImportResult, type ImportedFiles, importGpt2Checkpoint } from './import-gpt2-checkpoint.ts';
export {
  type Gpt2Checkpoint,
  Gpt2ImportError,
  type HfGpt2Config,
  readGpt2Checkpoint,
  specFromConfig,
} from './read-gpt2-checkpoint.ts';
export {
  readSafetensorsFile,
  type SafetensorsDtype,
  SafetensorsError,
  SafetensorsFile,
  type TensorInfo,
} from './safetensors-read.ts';
export { encodeSafetensors, type TensorToWrite, writeSafetensorsFile } from './safetensors-write.ts';
export { type WriteGpt2CheckpointOptions, writeGpt2Checkpoint } from './write-gpt2-checkpoint.ts';
