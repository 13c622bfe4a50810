export { ADAMW_DEFAULTS, AdamW, type AdamWOptions, type AdamWState, clipScale, globalNorm } from './adamw.ts';
export { type Batch, BatchSampler, BatchSamplerError, type SamplerState, sequentialBatches } from './batch-sampler.ts';
export {
  CHECKPOINT_FILE,
  CheckpointError,
  type CheckpointMeta,
  readCheckpoint,
  type TrainCheckpoint,
  type TrainWeights,
  writeCheckpoint,
} from './checkpoint.ts';
export { GradTape, GradTapeError } from './grad-tape.ts';
export { type LrSchedule, learningRate } from './lr-schedule.ts';
export { firstLayers, ModelWeightsError, readModelWeights, weightShapes } from './model-weights.ts';
export { loadTeacher, specFromFolderConfig, type TeacherLogits } from './teacher-session.ts';
export { buildTrainGraph, TRAIN_GRAPH_IO, type TrainGraphOptions, type TrainLoss, type WeightShapes } from './train-graph.ts';
export { estimateTrainMemoryBytes } from './train-memory.ts';
export { TrainCancelledError, type TrainHooks, type TrainProgress, type TrainResult, trainModel } from './train-model.ts';
export {
  optionsFingerprint,
  type ResolvedModelTrainOptions,
  resolveModelTrainOptions,
  type TrainModelOptions,
  type TrainObjective,
  TrainOptionsError,
} from './train-options.ts';
export { forgeInitialWeights, type StepOutput, TrainSession, type TrainSessionOptions } from './train-session.ts';
export { TRAINING_CARD_FILE, type TrainedFolderContent, TrainedFolderError, writeTrainedFolder } from './trained-folder.ts';
