import type {
  CellConfig,
  CellResult,
  DistillCorpusInfo,
  DistillLayerMetrics,
  DistillProgressPayload,
  DistillRequest,
  Energy,
  Environment,
  ExitStats,
  Matrix,
  Quality,
  TrainJobRequest,
  TrainOutcomePayload,
  TrainProgressPayload,
  WorkerInfo,
} from '@inferlab/experiments';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Column names come from the keys (snake_case in SQL via `casing`). Times of day are ISO-8601
// text; measured durations are real milliseconds.

export const EXPERIMENT_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const CELL_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];
export type CellStatus = (typeof CELL_STATUSES)[number];

/**
 * A cell's config as stored: without the prompts, which are the experiment's (`experiments.matrix`
 * holds them once) — a 64-cell matrix of 64 long prompts stores them once, not 64 times. The cell
 * id is still the hash of the whole config, prompts included (cellWithPrompts puts them back).
 * Rows written before migration 0006 may still carry them.
 */
export type StoredCellConfig = Omit<CellConfig, 'prompts'> & { prompts?: string[] };

export const experimentsTable = sqliteTable(
  'experiments',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    createdAt: text().notNull(),
    matrix: text({ mode: 'json' }).$type<Matrix>().notNull(),
    status: text({ enum: EXPERIMENT_STATUSES }).notNull().default('queued'),
    /** Who submitted it (`token:<sha256 prefix>`, or `open` without tokens), for quotas; null before 0006. */
    owner: text(),
  },
  // The experiments list reads newest first a page at a time (keyset on createdAt, id).
  (t) => [index('experiments_created_idx').on(t.createdAt, t.id), index('experiments_status_created_idx').on(t.status, t.createdAt)],
);

export const cellsTable = sqliteTable(
  'cells',
  {
    id: text().primaryKey(),
    experimentId: text()
      .notNull()
      .references(() => experimentsTable.id, { onDelete: 'cascade' }),
    index: integer().notNull(),
    config: text({ mode: 'json' }).$type<StoredCellConfig>().notNull(),
    status: text({ enum: CELL_STATUSES }).notNull().default('queued'),
    attempt: integer().notNull().default(0),
    workerId: text(),
    error: text(),
    startedAt: text(),
    finishedAt: text(),
    modelFile: text(),
    modelSha256: text(),
    modelFileBytes: integer(),
    modelParamCount: integer(),
    modelParamBytes: integer(),
    environment: text({ mode: 'json' }).$type<Environment>(),
    memory: text({ mode: 'json' }).$type<CellResult['memory']>(),
    cpu: text({ mode: 'json' }).$type<{ userMs: number; systemMs: number }>(),
    wallMs: real(),
    metricsVersion: text(),
    energy: text({ mode: 'json' }).$type<Energy>(),
    quality: text({ mode: 'json' }).$type<Quality>(),
  },
  // The unique index leads with experiment_id, so it also serves the foreign key.
  (t) => [
    uniqueIndex('cells_experiment_index_unique').on(t.experimentId, t.index),
    index('cells_experiment_status_idx').on(t.experimentId, t.status),
  ],
);

export const requestsTable = sqliteTable(
  'requests',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    cellId: text()
      .notNull()
      .references(() => cellsTable.id, { onDelete: 'cascade' }),
    repetition: integer().notNull(),
    promptIndex: integer().notNull(),
    promptTokens: integer().notNull(),
    tokenizeMs: real().notNull(),
    nOut: integer().notNull(),
    ttftMs: real().notNull(),
    e2elMs: real().notNull(),
    tpotMs: real(),
    /** ms since the cell's measured window began (same monotonic clock as token events). */
    startedAt: real().notNull(),
    stopReason: text({ enum: ['eos', 'length'] }).notNull(),
    /** Server scenario: ms from arrival to start; null in the other scenarios. */
    queueMs: real(),
    /** Speculative / prompt-lookup counters (null for other strategies): see StrategyStats. */
    targetForwards: integer(),
    draftTokens: integer(),
    acceptedTokens: integer(),
    /** Early exit: tokens per exit layer, mean layers used, agreement with the full model (StrategyStats.exits); null otherwise. */
    exitStats: text({ mode: 'json' }).$type<ExitStats>(),
    text: text().notNull(),
    outputTokenIds: text({ mode: 'json' }).$type<number[]>().notNull(),
  },
  (t) => [uniqueIndex('requests_cell_repetition_prompt_unique').on(t.cellId, t.repetition, t.promptIndex)],
);

/** One row per emitted chunk: `t_ms` since the request's t0, `n` tokens in it. */
export const tokenEventsTable = sqliteTable(
  'token_events',
  {
    requestId: integer()
      .notNull()
      .references(() => requestsTable.id, { onDelete: 'cascade' }),
    seq: integer().notNull(),
    tMs: real().notNull(),
    n: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.seq] })],
);

export const workersTable = sqliteTable(
  'workers',
  {
    id: text().primaryKey(),
    host: text().notNull(),
    deviceClass: text({ enum: ['cpu', 'cuda'] }).notNull(),
    executionProvider: text().notNull(),
    threads: integer().notNull(),
    pid: integer().notNull(),
    versions: text({ mode: 'json' }).$type<WorkerInfo['versions']>().notNull(),
    startedAt: text().notNull(),
    lastHeartbeatAt: text().notNull(),
    // Not a foreign key: a heartbeat must never be refused because of what a worker is running.
    currentCellId: text(),
  },
  (t) => [index('workers_last_heartbeat_idx').on(t.lastHeartbeatAt)],
);

export const DISTILL_JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

/** Exit-head training jobs (POST /v1/distill): request, live progress, and the published heads version. */
export const distillJobsTable = sqliteTable(
  'distill_jobs',
  {
    id: text().primaryKey(),
    model: text().notNull(),
    device: text({ enum: ['cpu', 'cuda'] }).notNull(),
    request: text({ mode: 'json' }).$type<DistillRequest>().notNull(),
    status: text({ enum: DISTILL_JOB_STATUSES }).notNull().default('queued'),
    attempt: integer().notNull().default(0),
    workerId: text(),
    createdAt: text().notNull(),
    startedAt: text(),
    finishedAt: text(),
    progress: text({ mode: 'json' }).$type<DistillProgressPayload>(),
    /** The heads version written beside the model on the worker that trained it. */
    version: text(),
    modelSha256: text(),
    metrics: text({ mode: 'json' }).$type<DistillLayerMetrics[]>(),
    corpus: text({ mode: 'json' }).$type<DistillCorpusInfo>(),
    trainSeconds: real(),
    error: text(),
  },
  (t) => [index('distill_jobs_model_created_idx').on(t.model, t.createdAt)],
);

export const TRAIN_JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;

/** One point of a training job's curves: the held-out loss only where it was evaluated. */
export type TrainCurvePoint = { step: number; trainLoss: number; heldOutLoss?: number };

/** Training and student-distillation jobs (POST /v1/train, POST /v1/distill kind "student"). */
export const trainJobsTable = sqliteTable(
  'train_jobs',
  {
    id: text().primaryKey(),
    /** 'pretrain' | 'student'. */
    kind: text({ enum: ['pretrain', 'student'] }).notNull(),
    device: text({ enum: ['cpu', 'cuda'] }).notNull(),
    request: text({ mode: 'json' }).$type<TrainJobRequest>().notNull(),
    status: text({ enum: TRAIN_JOB_STATUSES }).notNull().default('queued'),
    attempt: integer().notNull().default(0),
    workerId: text(),
    createdAt: text().notNull(),
    startedAt: text(),
    finishedAt: text(),
    /** The latest progress message (step, losses, tokens/s, ETA). */
    progress: text({ mode: 'json' }).$type<TrainProgressPayload>(),
    /** Every progress point recorded, for the loss curves (throttled to ~1 a second by the worker). */
    curve: text({ mode: 'json' }).$type<TrainCurvePoint[]>().notNull().default([]),
    /** The published model id: trained:<name>@<version>; rows stored before that id hold dir:<folder on the worker>, which still resolves. */
    modelId: text(),
    version: text(),
    outcome: text({ mode: 'json' }).$type<TrainOutcomePayload>(),
    error: text(),
  },
  (t) => [index('train_jobs_created_idx').on(t.createdAt)],
);
