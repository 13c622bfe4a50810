import { type DistillCorpusInfo, type DistillLayerMetrics, HEADS_VERSION_PATTERN } from '@inferlab/experiments';
import type { ExitHeadKind } from '../early-exit/exit-head.ts';

// What heads.json records beside heads.safetensors (see exit-heads-store.ts). Bump
// EXIT_HEADS_FORMAT_VERSION when the file layout changes; older folders are then refused by name.

export const EXIT_HEADS_FORMAT_VERSION = 1;
export const EXIT_HEADS_DIR = 'exit-heads';
export const HEADS_FILE = 'heads.safetensors';
export const HEADS_META_FILE = 'heads.json';

// A published version is `<UTC yyyymmddThhmmssZ>-<8 hex>` (experiments' HEADS_VERSION_PATTERN, which the
// api validates decoding.heads with), so names sort by creation time and never collide.
export { HEADS_VERSION_PATTERN };

export type ExitHeadTrainingConfig = {
  temperature: number;
  learningRate: number;
  /** Passes over the training tokens; each pass is ceil(trainTokens / batchTokens) Adam steps. */
  epochs: number;
  /** Positions per Adam step. */
  batchTokens: number;
  seed: number;
  optimizer: 'adam';
  beta1: number;
  beta2: number;
  eps: number;
};

/** The training text (a distill-result carries it: experiments' DistillCorpusInfo). */
export type ExitHeadCorpus = DistillCorpusInfo;

/** Held-out T²·KL(p_final ‖ p_head) per layer, identity (untrained) vs trained, at the training temperature. */
export type ExitHeadLayerMetrics = DistillLayerMetrics;

export type ExitHeadsMeta = {
  training: ExitHeadTrainingConfig;
  corpus: ExitHeadCorpus;
  metrics: ExitHeadLayerMetrics[];
  /** ISO time; the version name starts with it. A retried job passes its first attempt's time (idempotent name). */
  createdAt: string;
  /** The distill job that trained them: at most one version per job id. */
  jobId?: string;
  /** Seconds of training (excluding the teacher forward). */
  trainSeconds?: number;
};

export type ExitHeadsFile = ExitHeadsMeta & {
  formatVersion: number;
  version: string;
  /** sha256 of onnx/model.onnx the heads were trained on: loading checks it. */
  modelSha256: string;
  hidden: number;
  layers: number[];
  kind: Exclude<ExitHeadKind, 'identity'>;
  rank?: number;
};

/** '2026-11-29T05:20:07.123Z' → '20261129T052007Z'. */
export function compactUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`createdAt '${iso}' is not an ISO time`);
  return `${d.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}
