import { PermanentError } from '@inferlab/experiments';
import type { ExecutionProvider } from '../runtime/decoder-session.ts';

// Options of exit-head training, with defaults and checks that name the field and the fix. The api
// validates the same fields with zod first; these checks hold for every caller (bench, tests, worker).

export type ExitHeadTrainKind = 'linear' | 'low-rank';

export type TrainExitHeadsOptions = {
  /** Blocks after which heads exit, each in 1..nLayer-1. */
  layers: number[];
  kind: ExitHeadTrainKind;
  /** low-rank only: r of down (D, r), up (r, D). */
  rank?: number;
  epochs?: number;
  learningRate?: number;
  temperature?: number;
  seed?: number;
  /** Positions per Adam step. */
  batchTokens?: number;
  /** intraOpNumThreads for the teacher and training sessions; 0 = onnxruntime decides. */
  threads?: number;
  /** Where the teacher forward and the training steps run; a cuda job never falls back to the CPU quietly. */
  executionProvider?: ExecutionProvider;
};

export type ResolvedTrainOptions = Required<Omit<TrainExitHeadsOptions, 'rank'>> & { rank?: number };

export const TRAIN_DEFAULTS = { epochs: 8, learningRate: 2e-3, temperature: 2, seed: 1, batchTokens: 64, threads: 0, rank: 32 } as const;

export class DistillOptionsError extends PermanentError {
  override readonly name = 'DistillOptionsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

export function resolveTrainOptions(o: TrainExitHeadsOptions, nLayer: number, hidden: number): ResolvedTrainOptions {
  if (o.layers.length === 0) throw new DistillOptionsError('layers', 'give at least one layer to train a head at');
  for (const l of o.layers) {
    if (!isInt(l) || l < 1 || l > nLayer - 1) {
      throw new DistillOptionsError(
        'layers',
        `${l} is not a block index in 1..${nLayer - 1} (the last block already has the model's own head)`,
      );
    }
  }
  if (new Set(o.layers).size !== o.layers.length) throw new DistillOptionsError('layers', 'each layer at most once');
  const r: ResolvedTrainOptions = {
    layers: [...o.layers].sort((a, b) => a - b),
    kind: o.kind,
    epochs: o.epochs ?? TRAIN_DEFAULTS.epochs,
    learningRate: o.learningRate ?? TRAIN_DEFAULTS.learningRate,
    temperature: o.temperature ?? TRAIN_DEFAULTS.temperature,
    seed: o.seed ?? TRAIN_DEFAULTS.seed,
    batchTokens: o.batchTokens ?? TRAIN_DEFAULTS.batchTokens,
    threads: o.threads ?? TRAIN_DEFAULTS.threads,
    executionProvider: o.executionProvider ?? 'cpu',
  };
  if (o.kind !== 'linear' && o.kind !== 'low-rank')
    throw new DistillOptionsError('kind', `'${String(o.kind)}' is not 'linear' or 'low-rank'`);
  if (o.kind === 'low-rank') {
    const rank = o.rank ?? Math.min(TRAIN_DEFAULTS.rank, hidden);
    if (!isInt(rank) || rank < 1 || rank > hidden)
      throw new DistillOptionsError('rank', `${rank} is not in 1..${hidden} (the model width)`);
    r.rank = rank;
  } else if (o.rank !== undefined) {
    throw new DistillOptionsError('rank', "only low-rank heads have a rank: drop it or use kind 'low-rank'");
  }
  if (!isInt(r.epochs) || r.epochs < 1 || r.epochs > 1000)
    throw new DistillOptionsError('epochs', `${r.epochs} is not an integer in 1..1000`);
  if (!(r.learningRate > 0 && r.learningRate <= 1)) throw new DistillOptionsError('learningRate', `${r.learningRate} is not in (0, 1]`);
  if (!(r.temperature > 0 && r.temperature <= 100)) throw new DistillOptionsError('temperature', `${r.temperature} is not in (0, 100]`);
  if (!isInt(r.seed)) throw new DistillOptionsError('seed', `${r.seed} is not an integer`);
  if (!isInt(r.batchTokens) || r.batchTokens < 1 || r.batchTokens > 4096)
    throw new DistillOptionsError('batchTokens', `${r.batchTokens} is not in 1..4096`);
  if (!isInt(r.threads) || r.threads < 0) throw new DistillOptionsError('threads', `${r.threads} is not an integer ≥ 0`);
  return r;
}
