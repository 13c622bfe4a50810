export { CheckpointFilesError, CheckpointTensors, SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE } from './checkpoint-tensors.ts';
export { gpt2LayerShapes, HF_GPT2_NAMES, HF_PREFIX } from './gpt2-hf-layout.ts';
export { float32ToBfloat16Bits, float32ToFloat16Bits, halfBytes } from './half-float-encode.ts';
export { type Gpt2ImportResult, type ImportedFiles, importGpt2Checkpoint } from './import-gpt2-checkpoint.ts';
export { importLlamaCheckpoint, type LlamaImportResult } from './import-llama-checkpoint.ts';
export { type HfLlamaConfig, LlamaImportError, llamaSpecFromConfig } from './llama-config-fields.ts';
export { HF_LLAMA_NAMES, HF_LLAMA_PREFIX } from './llama-hf-layout.ts';
export {
  type Gpt2Checkpoint,
  Gpt2ImportError,
  type HfGpt2Config,
  readGpt2Checkpoint,
  specFromConfig,
} from './read-gpt2-checkpoint.ts';
export { type LlamaCheckpoint, readLlamaCheckpoint } from './read-llama-checkpoint.ts';
export {
  readSafetensorsFile,
  type SafetensorsDtype,
  SafetensorsError,
  SafetensorsFile,
  type TensorInfo,
} from './safetensors-read.ts';
export { encodeSafetensors, type TensorToWrite, writeSafetensorsFile } from './safetensors-write.ts';
export { type WriteGpt2CheckpointOptions, writeGpt2Checkpoint } from './write-gpt2-checkpoint.ts';
export { llamaHfTensors, type WriteLlamaCheckpointOptions, writeLlamaCheckpoint } from './write-llama-checkpoint.ts';
