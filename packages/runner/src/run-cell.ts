import {
  CellCancelledError,
  captureEnvironment,
  type DecodingConfig,
  type Energy,
  EnergyProbe,
  type Environment,
  type ExecutionProvider,
  fileBytes,
  fileSha256,
  fileWeightBytes,
  type KvCacheDtype,
  type ModelPool,
  type ModelQuality,
  measureModelQuality,
  PeakRssProbe,
  type ResolveOptions,
  resolveCellModel,
  resolveModel,
  type StrategyStats,
  type TokenEvent,
  VARIANT_PARAM_BYTES,
  type Variant,
  type WeightBytes,
} from '@inferlab/core';
import { type EngineName, engineVersion, prepareCellEngine } from './cell-engine.ts';
import { addExitAgreement } from './exit-agreement.ts';
import { measureScenario, type ScenarioConfig } from './measure-scenario.ts';

export const METRICS_VERSION = '1';

export type CellSpec = {
  model: string;
  /** kvCacheDtype 'int8': the forge int8-KV-cache graph of the weights (absent: fp32). */
  variant: { dtype: Variant; cache: boolean; kvCacheDtype?: KvCacheDtype };
  decoding: DecodingConfig;
  prompts: string[];
  maxNewTokens: number;
  batchSize: number;
  device: ExecutionProvider;
  threads: number;
  repetitions: number;
  warmup: number;
  /** Absent: inferlab. */
  engine?: EngineName;
  /** Absent: single-stream (requests one after another). */
  scenario?: ScenarioConfig;
};

export type MeasuredRequest = {
  repetition: number;
  promptIndex: number;
  promptTokens: number;
  tokenizeMs: number;
  events: TokenEvent[];
  outputTokenIds: number[];
  text: string;
  /** ms since the cell's measured window began, on the same monotonic clock. */
  startedAt: number;
  stopReason: 'eos' | 'length';
  /** Speculative and prompt-lookup counters; absent for the other strategies. */
  strategyStats?: StrategyStats;
  /** Server and offline scenarios: ms from arrival to start. */
  queueMs?: number;
};

export type CellRun = {
  model: { id: string; file: string; sha256: string; fileBytes: number; paramCount: number; paramBytes: number };
  environment: Environment;
  requests: MeasuredRequest[];
  /** weightBytes: the model file's stored tensors by element type (float32, int8, uint4 …), cached per file. */
  memory: { peakRssBytes: number; kvCacheBytes: number; kvCacheDtype: KvCacheDtype; weightBytes: WeightBytes };
  cpu: { userMs: number; systemMs: number };
  wallMs: number;
  metricsVersion: string;
  energy: Energy;
  /** Against the model's fp32 file; null when that cannot be measured (see `qualityError`). */
  quality: ModelQuality | null;
};

export type Progress = { done: number; total: number; phase: 'loading' | 'warmup' | 'measuring' };

export type RunCellContext = ResolveOptions & {
  pool: ModelPool;
  onProgress?: (p: Progress) => void;
  /**
   * Checked between requests; a cancelled cell stops early. A function rather than an AbortSignal:
   * the thread running inference does not process events until the cell ends, so the caller reads
   * shared memory here.
   */
  isCancelled?: () => boolean;
};

export { CellCancelledError };

/** Runs one cell: resolve, load (cached), warmup (discarded), then repetitions × prompts, timed. */
export async function runCell(spec: CellSpec, ctx: RunCellContext): Promise<CellRun> {
  ctx.onProgress?.({ done: 0, total: spec.repetitions * spec.prompts.length, phase: 'loading' });
  // Resolving may forge the model or build a variant file (rewriting a 500 MB fp32 graph): a
  // one-off cost of the cache, kept out of the cell's peak RSS, which starts with loading it.
  const resolved = await resolveCellModel(spec.model, spec.variant, ctx);
  const probe = new PeakRssProbe();
  const { session, tokenizer } = await ctx.pool.get(resolved, { threads: spec.threads, executionProvider: spec.device });
  const engineRun = await prepareCellEngine(spec, { model: resolved, session, tokenizer }, ctx);
  // Every request of every scenario goes through here: a cancelled cell stops before the next one.
  const runGroup: typeof engineRun = async (prompts) => {
    if (ctx.isCancelled?.()) throw new CellCancelledError('the experiment was cancelled');
    return engineRun(prompts);
  };
  // Requests run in groups of batchSize (one static batch each), in (repetition, prompt) order.
  const groups = <T>(items: T[]): T[][] =>
    Array.from({ length: Math.ceil(items.length / spec.batchSize) }, (_, i) => items.slice(i * spec.batchSize, (i + 1) * spec.batchSize));

  for (let w = 0; w < spec.warmup; w++) {
    for (const group of groups(spec.prompts)) await runGroup(group);
    ctx.onProgress?.({ done: 0, total: spec.repetitions * spec.prompts.length, phase: 'warmup' });
  }

  const total = spec.repetitions * spec.prompts.length;
  const requests: MeasuredRequest[] = [];
  let kvCacheBytes = 0;
  const energyProbe = new EnergyProbe(spec.device);
  const cpuStart = process.cpuUsage();
  const windowStart = performance.now();
  const pending = Array.from({ length: total }, (_, i) => ({
    repetition: Math.floor(i / spec.prompts.length),
    promptIndex: i % spec.prompts.length,
  }));
  // Server and offline scenarios measure their own way; single-stream is the loop below.
  const onDone = (done: number) => ctx.onProgress?.({ done, total, phase: 'measuring' });
  const scenario = await measureScenario(
    spec,
    pending,
    { session, tokenizer, runGroup, isCancelled: ctx.isCancelled },
    windowStart,
    onDone,
  );
  if (scenario !== null) {
    requests.push(...scenario.requests);
    kvCacheBytes = scenario.kvCacheBytes;
  }
  for (const group of groups(scenario === null ? pending : [])) {
    const startedAt = performance.now() - windowStart;
    const generations = await runGroup(group.map((r) => spec.prompts[r.promptIndex] as string));
    for (const [j, { repetition, promptIndex }] of group.entries()) {
      const g = generations[j] as (typeof generations)[number];
      kvCacheBytes = Math.max(kvCacheBytes, g.kvCacheBytes);
      requests.push({
        repetition,
        promptIndex,
        promptTokens: g.promptTokens,
        tokenizeMs: g.tokenizeMs,
        events: g.events,
        outputTokenIds: g.outputTokenIds,
        text: tokenizer.decode(g.outputTokenIds),
        startedAt,
        stopReason: g.stopReason,
        ...(g.strategyStats === null ? {} : { strategyStats: g.strategyStats }),
      });
    }
    ctx.onProgress?.({ done: requests.length, total, phase: 'measuring' });
  }
  const wallMs = performance.now() - windowStart;
  const cpu = process.cpuUsage(cpuStart);
  const peakRssBytes = probe.stop();
  const bytesPerParam = VARIANT_PARAM_BYTES[spec.variant.dtype];
  const energy = energyProbe.stop(cpu.user / 1000 + cpu.system / 1000);
  // After the measured window (it loads the fp32 reference too); cached per (model, variant).
  const quality = await cellQuality(spec, resolved, ctx);
  if (spec.decoding.strategy === 'early-exit') await addExitAgreement(requests, spec.prompts, { session, tokenizer }, spec.maxNewTokens);
  const weightBytes = await fileWeightBytes(resolved);
  return {
    model: {
      id: spec.model,
      file: resolved.file,
      sha256: await fileSha256(resolved.file),
      fileBytes: fileBytes(resolved.file),
      paramCount: session.config.paramCount,
      paramBytes: session.config.paramCount * bytesPerParam,
    },
    environment: { ...captureEnvironment(spec.threads, spec.device), engine: engineVersion(spec.engine) },
    requests,
    memory: { peakRssBytes, kvCacheBytes, kvCacheDtype: session.kvCacheDtype, weightBytes },
    cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 },
    wallMs,
    metricsVersion: METRICS_VERSION,
    energy,
    quality,
  };
}

async function cellQuality(
  spec: CellSpec,
  resolved: Awaited<ReturnType<typeof resolveModel>>,
  ctx: RunCellContext,
): Promise<ModelQuality | null> {
  try {
    const plainFp32 = spec.variant.dtype === 'fp32' && resolved.kvCacheDtype === undefined;
    const reference = plainFp32 ? resolved : await resolveModel(spec.model, 'fp32', ctx);
    return await measureModelQuality(resolved, reference, ctx.pool, { threads: spec.threads, executionProvider: spec.device });
  } catch (cause) {
    // Quality is an extra: a model without an fp32 file (or one too large to load twice) still
    // gets its speed numbers; the reason is logged where the worker logs.
    console.warn(`quality of ${spec.model} ${spec.variant.dtype} not measured: ${(cause as Error).message}`);
    return null;
  }
}
