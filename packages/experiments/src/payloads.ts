import { z } from 'zod';
import { cellConfigSchema, DEVICES, KV_CACHE_DTYPES } from './cell-config.ts';
import { distillMessageSchemas } from './distill-payloads.ts';
import { trainMessageSchemas } from './train-messages.ts';

// Wire formats between api, workers and recorder (docs/contracts.md). The recorder validates every
// message with these before it touches the database.

const count = z.number().int().min(0);
const ms = z.number().min(0);
const isoTime = z.iso.datetime({ offset: true });

export const cellJobSchema = z.object({
  experimentId: z.string().min(1),
  cellId: z.string().min(1),
  config: cellConfigSchema,
});

/**
 * Early exit, per request: counts[i] tokens emitted after layers[i] blocks (the last layer is the full
 * model); agreement = share of positions equal to the full model's greedy output (core ExitStats).
 */
export const exitStatsSchema = z
  .object({
    layers: z.array(z.number().int().min(1)).min(1),
    counts: z.array(count),
    meanLayers: z.number().min(0),
    agreement: z.number().min(0).max(1).optional(),
  })
  .refine((e) => e.counts.length === e.layers.length, { message: 'exits.counts needs one entry per exit layer', path: ['counts'] });

/** Per request: target forward passes, draft tokens proposed, draft tokens accepted (≤ proposed); early exit adds `exits`. */
export const strategyStatsSchema = z
  .object({ targetForwards: count, draftTokens: count, acceptedTokens: count, exits: exitStatsSchema.optional() })
  .refine((s) => s.acceptedTokens <= s.draftTokens, { message: 'acceptedTokens cannot exceed draftTokens' });

/** One emitted chunk: `t` ms since the request's t0, `n` tokens in it (k for a k-token speculative step). */
export const tokenEventSchema = z.object({ t: ms, n: z.number().int().min(1) });

export const requestRecordSchema = z
  .object({
    repetition: count,
    promptIndex: count,
    promptTokens: count,
    tokenizeMs: ms,
    events: z.array(tokenEventSchema).min(1),
    outputTokenIds: z.array(z.number().int()),
    text: z.string(),
    startedAt: ms,
    stopReason: z.enum(['eos', 'length']),
    /** Server scenario: ms from the request's arrival to its start (t0); absent in the other scenarios. */
    queueMs: ms.optional(),
    /** Speculative and prompt-lookup counters; absent for the other strategies. */
    strategyStats: strategyStatsSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const nOut = r.events.reduce((sum, e) => sum + e.n, 0);
    if (nOut !== r.outputTokenIds.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['events'],
        message: `token events carry ${nOut} tokens but outputTokenIds has ${r.outputTokenIds.length}`,
      });
    }
    r.events.forEach((e, i) => {
      const previous = r.events[i - 1];
      if (previous !== undefined && e.t < previous.t)
        ctx.addIssue({ code: 'custom', path: ['events', i, 't'], message: `event times must not decrease (${e.t} < ${previous.t})` });
    });
  });

/** Where a cell's tokens were computed (Environment.backend). */
export const COMPUTE_BACKENDS = ['cpu', 'cuda', 'webgpu', 'vulkan'] as const;
export type ComputeBackend = (typeof COMPUTE_BACKENDS)[number];

export const environmentSchema = z.object({
  host: z.string(),
  cpuModel: z.string(),
  cores: count,
  threads: count,
  memoryBytes: count,
  os: z.string(),
  node: z.string(),
  onnxruntime: z.string(),
  inferlab: z.string(),
  gitCommit: z.string().nullable(),
  executionProvider: z.string(),
  gpu: z.string().nullable(),
  clock: z.string(),
  /** The engine that produced the tokens and its version ("inferlab 0.1.0", "transformers.js 4.3.2"). */
  engine: z.string().optional(),
  /**
   * What computed the tokens: onnxruntime's execution provider (cpu, cuda, webgpu) for the inferlab
   * and transformers.js engines, llama.cpp's backend (cpu, cuda, vulkan) for llama.cpp. Absent in
   * results of workers before it was recorded.
   */
  backend: z.enum(COMPUTE_BACKENDS).optional(),
  /** llama.cpp cells: the GGUF tensor type of the file that ran (F32, F16, Q8_0, Q4_0); its sha256 is model.sha256. */
  ggufType: z.string().optional(),
});

/**
 * Energy of the measured window. `source` says where it came from; an `estimate` is not a
 * measurement and `method` says how it was made.
 */
export const energySchema = z.object({
  joules: z.number().min(0).nullable(),
  source: z.enum(['rapl', 'nvml', 'estimate', 'unavailable']),
  method: z.string(),
});

/** Quality of the cell's (model, variant) against the fp32 file on a fixed text (docs/metrics.md "Quality"). */
export const qualitySchema = z.object({
  evalText: z.string(),
  reference: z.literal('fp32'),
  positions: count,
  perplexity: z.number().positive(),
  perplexityFp32: z.number().positive(),
  perplexityDelta: z.number(),
  top1Agreement: z.number().min(0).max(1),
  meanKl: z.number().min(0),
  greedyPrefix: count,
  greedyTokens: count,
});

export const workerInfoSchema = z.object({
  id: z.string().min(1),
  host: z.string(),
  deviceClass: z.enum(DEVICES),
  executionProvider: z.string(),
  threads: count,
  pid: z.number().int(),
  versions: z.record(z.string(), z.string()),
  startedAt: isoTime,
});

/** Model files' stored tensors by element type (`float32`, `int8`, `uint4` = packed 4-bit …), bytes each. */
export const weightBytesSchema = z.record(z.string(), count);

/** cuda cells: the GPU as NVML (nvidia-smi) saw it during the cell. */
export const gpuUsageSchema = z.object({
  name: z.string().nullable(),
  peakMemoryUsedBytes: count,
  meanUtilizationPct: z.number().min(0).max(100),
  samples: count,
});

/** What a cell's run loaded: the model id, its graph file and size. */
export const modelInfoSchema = z.object({
  id: z.string(),
  file: z.string(),
  sha256: z.string(),
  fileBytes: count,
  paramCount: count,
  paramBytes: count,
});

/**
 * Where a running cell is, for progress messages (the inference thread → the worker → `results`).
 * done/total count requests; in phase 'downloading' (a hub model fetched before loading), bytes of `file`.
 */
export const progressSchema = z.object({
  done: count,
  total: count,
  phase: z.enum(['downloading', 'loading', 'warmup', 'measuring']),
  file: z.string().optional(),
});

// A cell's measurements as the runner returns them (CellRun); the result message adds who ran which
// cell, and reads results of older workers that lacked the later fields.
const cellRunFields = z.object({
  model: modelInfoSchema,
  environment: environmentSchema,
  requests: z.array(requestRecordSchema),
  memory: z.object({
    peakRssBytes: count,
    /** int8: codes + float32 scales. */
    kvCacheBytes: count,
    kvCacheDtype: z.enum(KV_CACHE_DTYPES),
    weightBytes: weightBytesSchema,
    gpu: gpuUsageSchema.optional(),
  }),
  cpu: z.object({ userMs: ms, systemMs: ms }),
  wallMs: ms,
  metricsVersion: z.string().min(1),
  energy: energySchema,
  /** Against the model's fp32 file; null when that cannot be measured (no fp32 file to compare with). */
  quality: qualitySchema.nullable(),
});

// Spread in this order so a parsed result keeps the key order it always had (ids first).
const cellResultFields = z.object({
  cellId: z.string().min(1),
  experimentId: z.string().min(1),
  attempt: z.number().int().min(1),
  workerId: z.string().min(1),
  /** Workers leave the prompts out (the experiment's, stored once: cell-job-prompts.ts); older ones sent them. */
  config: cellConfigSchema.extend({ prompts: cellConfigSchema.shape.prompts.optional() }),
  ...cellRunFields.shape,
  memory: cellRunFields.shape.memory.extend({
    /** Absent: older workers (fp32). */
    kvCacheDtype: z.enum(KV_CACHE_DTYPES).optional(),
    /** Absent: older workers. */
    weightBytes: weightBytesSchema.optional(),
  }),
  /** Absent: older workers. */
  energy: energySchema.optional(),
  /** null: not measurable for this model; absent: older workers. */
  quality: qualitySchema.nullable().optional(),
});

// Each (repetition, prompt) is measured once; the database enforces it, this says so in words.
function uniqueRequests(result: { requests: RequestRecord[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  result.requests.forEach((r, i) => {
    const key = `${r.repetition}/${r.promptIndex}`;
    if (seen.has(key))
      ctx.addIssue({
        code: 'custom',
        path: ['requests', i],
        message: `repetition ${r.repetition} of prompt ${r.promptIndex} appears twice`,
      });
    seen.add(key);
  });
}

export const cellResultSchema = cellResultFields.superRefine(uniqueRequests);
export const cellRunSchema = cellRunFields.superRefine(uniqueRequests);

const cellRef = { cellId: z.string().min(1), experimentId: z.string().min(1), attempt: z.number().int().min(1) };

export const resultMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cell-started'), ...cellRef, workerId: z.string().min(1), at: isoTime }),
  z.object({ kind: z.literal('cell-progress'), ...cellRef, done: count, total: count }),
  cellResultFields.extend({ kind: z.literal('cell-result') }).superRefine(uniqueRequests),
  z.object({ kind: z.literal('cell-failed'), ...cellRef, workerId: z.string().min(1), reason: z.string(), final: z.boolean() }),
  z.object({ kind: z.literal('worker-heartbeat'), worker: workerInfoSchema, currentCellId: z.string().nullable(), at: isoTime }),
  ...distillMessageSchemas,
  ...trainMessageSchemas,
]);

export type CellJob = z.infer<typeof cellJobSchema>;
export type TokenEvent = z.infer<typeof tokenEventSchema>;
export type StrategyStats = z.infer<typeof strategyStatsSchema>;
export type ExitStats = z.infer<typeof exitStatsSchema>;
export type RequestRecord = z.infer<typeof requestRecordSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type Energy = z.infer<typeof energySchema>;
export type Quality = z.infer<typeof qualitySchema>;
export type WorkerInfo = z.infer<typeof workerInfoSchema>;
export type CellResult = z.infer<typeof cellResultSchema>;
export type CellRun = z.infer<typeof cellRunSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type GpuUsage = z.infer<typeof gpuUsageSchema>;
export type WeightBytes = z.infer<typeof weightBytesSchema>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type ResultMessage = z.infer<typeof resultMessageSchema>;
export type ResultMessageKind = ResultMessage['kind'];
