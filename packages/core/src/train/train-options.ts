import { createHash } from 'node:crypto';
import { PermanentError } from '@inferlab/experiments';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { ADAMW_DEFAULTS, type AdamWOptions } from './adamw.ts';
import type { TrainWeights } from './checkpoint.ts';
import type { LrSchedule } from './lr-schedule.ts';
import type { TeacherLogits } from './teacher-session.ts';

// What a training run is given, validated once; the resolved form is what the loop and the
// checkpoint fingerprint read.

export type TrainObjective = { kind: 'ce' } | { kind: 'kd'; temperature: number; alpha: number; teacher: TeacherLogits };

export type TrainModelOptions = {
  spec: ForgeSpec;
  /** Starting weights in forge layout (e.g. a teacher's first layers); default: forge's init from spec.seed. */
  initialWeights?: TrainWeights;
  /** Token ids of the training split and (optional) the held-out split. */
  train: Int32Array;
  heldOut?: Int32Array;
  batchSize: number;
  seqLen: number;
  /** Optimizer steps; each sees batchSize · gradAccumulation sequences. */
  steps: number;
  gradAccumulation?: number;
  learningRate?: { peak: number; min?: number; warmupSteps?: number };
  adamw?: Partial<AdamWOptions>;
  /** Global-norm clip (default 1; 0 disables). */
  clipNorm?: number;
  /** Seeds the data order. */
  seed: number;
  objective?: TrainObjective;
  threads?: number;
  executionProvider?: 'cpu' | 'cuda';
  /** Held-out loss every this many steps and at the end (default: only at the end). */
  evalEvery?: number;
  /** At most this many held-out windows per evaluation (default 64). */
  evalWindows?: number;
  /** Checkpoint every this many steps when a checkpoint directory is given (default 50) and at the end. */
  checkpointEvery?: number;
};

export type ResolvedModelTrainOptions = Required<Omit<TrainModelOptions, 'initialWeights' | 'heldOut' | 'learningRate' | 'adamw'>> & {
  heldOut?: Int32Array;
  initialWeights?: TrainWeights;
  schedule: LrSchedule;
  adamw: AdamWOptions;
};

export class TrainOptionsError extends PermanentError {
  override readonly name = 'TrainOptionsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function positiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new TrainOptionsError(field, `must be a positive integer, got ${v}`);
}

export function resolveModelTrainOptions(o: TrainModelOptions): ResolvedModelTrainOptions {
  positiveInt('steps', o.steps);
  positiveInt('batchSize', o.batchSize);
  positiveInt('seqLen', o.seqLen);
  positiveInt('gradAccumulation', o.gradAccumulation ?? 1);
  const maxPositions = o.spec.family === 'gpt2' ? o.spec.nPositions : o.spec.maxPositions;
  if (o.seqLen > maxPositions) throw new TrainOptionsError('seqLen', `${o.seqLen} exceeds the model's ${maxPositions} positions`);
  if (o.train.length < o.seqLen + 1) throw new TrainOptionsError('train', `${o.train.length} tokens hold no window of ${o.seqLen + 1}`);
  if (o.heldOut !== undefined && o.heldOut.length < o.seqLen + 1) {
    throw new TrainOptionsError('heldOut', `${o.heldOut.length} tokens hold no window of ${o.seqLen + 1}`);
  }
  const objective = o.objective ?? { kind: 'ce' };
  if (objective.kind === 'kd') {
    if (!(objective.temperature > 0)) throw new TrainOptionsError('objective.temperature', 'must be > 0');
    if (!(objective.alpha >= 0 && objective.alpha <= 1)) throw new TrainOptionsError('objective.alpha', 'must be in [0, 1]');
    if (objective.teacher.vocabSize !== o.spec.vocabSize) {
      throw new TrainOptionsError(
        'objective.teacher',
        `vocabulary ${objective.teacher.vocabSize} differs from the student's ${o.spec.vocabSize}`,
      );
    }
  }
  const peak = o.learningRate?.peak ?? 1e-3;
  return {
    ...o,
    gradAccumulation: o.gradAccumulation ?? 1,
    clipNorm: o.clipNorm ?? 1,
    objective,
    threads: o.threads ?? 0,
    executionProvider: o.executionProvider ?? 'cpu',
    evalEvery: o.evalEvery ?? 0,
    evalWindows: o.evalWindows ?? 64,
    checkpointEvery: o.checkpointEvery ?? 50,
    schedule: { peak, min: o.learningRate?.min ?? peak / 10, warmupSteps: o.learningRate?.warmupSteps ?? 0, totalSteps: o.steps },
    adamw: { ...ADAMW_DEFAULTS, ...o.adamw },
  };
}

/** Hash of everything a resumed run must share with the run that wrote the checkpoint. */
export function optionsFingerprint(o: ResolvedModelTrainOptions): string {
  const h = createHash('sha256');
  const { kind } = o.objective;
  const objective = o.objective.kind === 'kd' ? { kind, temperature: o.objective.temperature, alpha: o.objective.alpha } : { kind };
  h.update(
    JSON.stringify([o.spec, o.batchSize, o.seqLen, o.steps, o.gradAccumulation, o.schedule, o.adamw, o.clipNorm, o.seed, objective]),
  );
  h.update(new Uint8Array(o.train.buffer, o.train.byteOffset, o.train.byteLength));
  return h.digest('hex').slice(0, 16);
}
