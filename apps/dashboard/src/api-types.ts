import type { MetricSummary } from '@inferlab/experiments/stats';

// The http contract as the dashboard reads it (docs/contracts.md). Fields other engineers add
// (quality, strategy stats, engines…) arrive as extra keys and are rendered generically.

export type Progress = { total: number; queued: number; running: number; done: number; failed: number; cancelled: number };
export type ExperimentStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type ExperimentListItem = { id: string; name: string; createdAt: string; status: ExperimentStatus; progress: Progress };

export type CellConfig = {
  model: string;
  variant: { dtype: string; cache: boolean } & Record<string, unknown>;
  decoding: { strategy: string } & Record<string, unknown>;
  prompts: string[];
  maxNewTokens: number;
  batchSize: number;
  device: string;
  threads: number;
  repetitions: number;
  warmup: number;
} & Record<string, unknown>;

export type ExperimentCell = { id: string; index: number; status: string; attempt: number; error: string | null; config: CellConfig };
export type ExperimentView = ExperimentListItem & { matrix: Record<string, unknown>; cells: ExperimentCell[] };

// The summaries are the server's own types (one definition, METRICS.md); only types cross over.
export type { Interval, MetricSummary } from '@inferlab/experiments/stats';

export type SeedRow = {
  mode: string;
  dtype: string;
  use_cache: boolean;
  model_size_MB: number | null;
  time_s: number;
  tokens_generated: number;
  tokens_per_s: number | null;
} & Record<string, unknown>;

export type CellSummary = {
  cellId: string;
  index: number;
  status: string;
  attempt: number;
  error: string | null;
  config: CellConfig;
  requests: number;
  seed: SeedRow | null;
  ttft: MetricSummary | null;
  tpot: MetricSummary | null;
  e2el: MetricSummary | null;
  itl: MetricSummary | null;
  throughput: { tokensPerS: number | null; requestsPerS: number | null; windowMs: number | null } | null;
} & Record<string, unknown>;

export type ExperimentResults = { experiment: ExperimentListItem; method: Record<string, unknown>; cells: CellSummary[] };

export type TokenEvent = { t: number; n: number };
export type CellTokens = {
  cellId: string;
  requests: {
    repetition: number;
    promptIndex: number;
    promptTokens: number;
    tokenizeMs: number;
    startedAt: number;
    stopReason: string;
    events: TokenEvent[];
  }[];
};

export type WorkerView = {
  id: string;
  host: string;
  deviceClass: string;
  executionProvider: string;
  threads: number;
  pid: number;
  versions: Record<string, string>;
  startedAt: string;
  lastHeartbeatAt: string;
  currentCellId: string | null;
  status: 'alive' | 'lost';
  lastHeartbeatAgeMs: number;
};
export type QueueDepth = { device: string; queue: string } & Record<string, number | string>;

export type ComparedMetric = {
  a: number;
  b: number;
  ratio: number;
  ci: { lo: number; hi: number; level: number };
  pValue: number;
  significant: boolean;
  verdict: string;
} & Record<string, unknown>;
export type Comparison = {
  a: CellSummary;
  b: CellSummary;
  method: Record<string, unknown>;
  metrics: Record<string, ComparedMetric | null>;
};

export type ExperimentEvent = Pick<ExperimentListItem, 'id' | 'status' | 'progress'> & {
  cell?: { id: string; status: string; done?: number; total?: number };
};

// Distill jobs (docs/contracts.md "Exit heads and distill jobs"): training exit heads on a worker.
export type DistillStatus = 'queued' | 'running' | 'done' | 'failed';
export type DistillProgress = { phase: string; step: number; totalSteps: number; epoch: number } & Record<string, unknown>;
export type DistillLayerMetric = { layer: number; untrainedKd: number; trainedKd: number } & Record<string, unknown>;
export type DistillJob = {
  id: string;
  model: string;
  device: string;
  status: DistillStatus;
  request: { layers: number[]; kind: string; epochs: number } & Record<string, unknown>;
  attempt: number;
  workerId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: DistillProgress | null;
  version: string | null;
  metrics: DistillLayerMetric[] | null;
  corpus: Record<string, unknown> | null;
  trainSeconds: number | null;
  error: string | null;
};
