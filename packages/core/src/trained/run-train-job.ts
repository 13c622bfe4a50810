import { existsSync, readFileSync, rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import {
  PermanentError,
  parseModelId,
  type TrainJob,
  type TrainOutcomePayload,
  type TrainProgressPayload,
  trainedModelId,
  trainSteps,
} from '@inferlab/experiments';
import { loadKjvCorpus } from '../corpus/kjv-corpus.ts';
import { tokenizeCorpus } from '../corpus/tokenize-corpus.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { TRAINED_DIR, trainedModelFolder } from '../model/resolve-trained.ts';
import { loadTeacher, type TeacherLogits } from '../train/teacher-session.ts';
import { estimateTrainMemoryBytes } from '../train/train-memory.ts';
import { trainModel } from '../train/train-model.ts';
import type { TrainObjective } from '../train/train-options.ts';
import { TRAINING_CARD_FILE, writeTrainedFolder } from '../train/trained-folder.ts';
import { pretrainSpec, studentStart } from './trained-spec.ts';

// One train job, start to publish: the corpus, the model (a shape, a forge model's shape, or a
// teacher's first layers), trainModel with a checkpoint directory per job (a retried attempt resumes
// from it), and a versioned, immutable folder <modelsDir>/trained/<name>/<version>/ named by the
// model id `trained:<name>@<version>` (model/resolve-trained.ts: any worker sharing the models dir
// resolves it). The version comes from the job (its creation time and id), so every attempt of one
// job publishes the same folder, and an attempt that finds it published returns it.

export type TrainJobContext = {
  modelsDir: string;
  modelRoots: readonly string[];
  threads: number;
  workerId: string;
  gitCommit: string | undefined;
  /** The most a job may need; default 80% of this machine's memory. */
  maxBytes?: number;
  signal?: AbortSignal;
  onStart?: (resumedFrom: number) => void;
  onProgress: (p: TrainProgressPayload) => void;
};

export type TrainJobOutcome = TrainOutcomePayload & { reused: boolean };

export class TrainJobError extends PermanentError {
  override readonly name = 'TrainJobError';
}

export function trainedVersion(job: Pick<TrainJob, 'trainId' | 'createdAt'>): string {
  return `${job.createdAt.replace(/[-:]/g, '').replace(/\.\d+/, '')}-${job.trainId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
}

export function trainedName(job: TrainJob): string {
  const r = job.request;
  if (r.name !== undefined) return r.name;
  return r.kind === 'student' ? `${r.corpus}-student` : `${r.corpus}-${r.shape?.family ?? r.model?.replace(/^forge:/, '')}`;
}

// The id comes from the name and version, not the card: folders published before trained: ids carry none.
function readOutcome(folder: string, modelId: string, version: string): TrainJobOutcome {
  const card = JSON.parse(readFileSync(join(folder, TRAINING_CARD_FILE), 'utf8')) as Omit<TrainOutcomePayload, 'modelId' | 'version'>;
  const { steps, tokensSeen, heldOutLoss, heldOutPerplexity, trainSeconds } = card;
  return { modelId, version, steps, tokensSeen, heldOutLoss, heldOutPerplexity, trainSeconds, reused: true };
}

export async function runTrainJob(job: TrainJob, ctx: TrainJobContext): Promise<TrainJobOutcome> {
  const r = job.request;
  const name = trainedName(job);
  const version = trainedVersion(job);
  const folder = trainedModelFolder(ctx.modelsDir, name, version);
  const modelId = trainedModelId(name, version);
  if (parseModelId(modelId) === null) {
    throw new TrainJobError(
      `name: "${name}" and version "${version}" do not form a trained: model id; give a name of lowercase letters, digits and dashes`,
    );
  }
  if (existsSync(folder)) return readOutcome(folder, modelId, version);
  const checkpointDir = join(ctx.modelsDir, TRAINED_DIR, '.checkpoints', job.trainId);

  let teacher: TeacherLogits | undefined;
  let teacherFolder: string | undefined;
  if (r.kind === 'student') teacherFolder = (await resolveModel(r.teacher, 'fp32', ctx)).folder;
  const start = r.kind === 'student' ? studentStart(r, teacherFolder as string) : { spec: pretrainSpec(r) };
  const bytes = estimateTrainMemoryBytes(start.spec, r.batchSize, r.seqLen, r.kind === 'student');
  const maxBytes = ctx.maxBytes ?? 0.8 * totalmem();
  if (bytes > maxBytes) {
    const gib = (b: number) => (b / 1024 ** 3).toFixed(2);
    throw new TrainJobError(
      `${r.kind === 'student' ? 'student' : 'shape'}: needs about ${gib(bytes)} GiB to train; worker ${ctx.workerId} allows ${gib(maxBytes)} GiB`,
    );
  }
  const corpus = tokenizeCorpus(loadKjvCorpus(), { cacheDir: join(ctx.modelsDir, 'corpus-cache') });
  try {
    let objective: TrainObjective = { kind: 'ce' };
    if (r.kind === 'student') {
      teacher = await loadTeacher(teacherFolder as string, ctx.threads, r.device);
      objective = { kind: 'kd', temperature: r.temperature, alpha: r.alpha, teacher };
    }
    const started = performance.now();
    let announced = false;
    const result = await trainModel(
      {
        spec: start.spec,
        ...(start.weights === undefined ? {} : { initialWeights: start.weights }),
        train: corpus.train,
        heldOut: corpus.heldOut,
        batchSize: r.batchSize,
        seqLen: r.seqLen,
        steps: trainSteps(r),
        learningRate: r.learningRate,
        seed: r.seed,
        objective,
        threads: ctx.threads,
        executionProvider: r.device,
        evalEvery: r.evalEvery,
        checkpointEvery: r.checkpointEvery,
      },
      {
        checkpointDir,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        onProgress: (p) => {
          if (!announced) ctx.onStart?.(p.step - 1);
          announced = true;
          const { learningRate: _lr, gradNorm: _g, ...rest } = p;
          ctx.onProgress(rest.heldOutLoss === undefined ? (({ heldOutLoss: _h, ...x }) => x)(rest) : rest);
        },
      },
    );
    const last = result.heldOut.at(-1)?.loss ?? null;
    // A KD student's held-out loss is its KD objective, not a cross-entropy: no perplexity from it.
    const heldOutPerplexity = last === null || r.kind === 'student' ? null : Math.exp(last);
    const outcome = {
      steps: result.steps,
      tokensSeen: result.tokensSeen,
      heldOutLoss: last,
      heldOutPerplexity,
      trainSeconds: result.trainSeconds,
    };
    const card = {
      modelId,
      version,
      ...outcome,
      corpus: { id: corpus.corpusId, tokenizer: corpus.tokenizer, trainTokens: corpus.train.length, heldOutTokens: corpus.heldOut.length },
      objective: r.kind === 'student' ? { kind: 'kd', teacher: r.teacher, temperature: r.temperature, alpha: r.alpha } : { kind: 'ce' },
      request: r,
      losses: result.losses,
      heldOut: result.heldOut,
      wallSeconds: (performance.now() - started) / 1000,
      tokensPerSecond: result.tokensPerSecond,
      resumedFrom: result.resumedFrom,
      worker: ctx.workerId,
      gitCommit: ctx.gitCommit ?? null,
      job: { id: job.trainId, createdAt: job.createdAt },
    };
    if (!existsSync(folder)) writeTrainedFolder(folder, { name, spec: start.spec, weights: result.weights, card });
    rmSync(checkpointDir, { recursive: true, force: true });
    return { modelId, version, ...outcome, reused: false };
  } finally {
    await teacher?.release();
  }
}
