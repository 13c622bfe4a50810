import {
  CellCancelledError,
  captureEnvironment,
  type DownloadProgress,
  EnergyProbe,
  fileBytes,
  fileSha256,
  fileWeightBytes,
  type ModelPool,
  measureModelQuality,
  type OrtBackend,
  PeakRssProbe,
  type ResolveOptions,
  resolveCellModel,
  resolveModel,
  type SessionOptions,
  VARIANT_PARAM_BYTES,
} from '@inferlab/core';
import type { CellConfig, CellRun, Progress, Quality, RequestRecord } from '@inferlab/experiments';
import { prepareCellEngine } from './cell-engine.ts';
import { addExitAgreement } from './exit-agreement.ts';
import { measureScenario } from './measure-scenario.ts';

export const METRICS_VERSION = '1';

/** What runCell runs: a cell's resolved config (the contract's CellConfig; slo and price are the recorder's). */
export type CellSpec = CellConfig;

export type RunCellContext = ResolveOptions & {
  pool: ModelPool;
  onProgress?: (p: Progress) => void;
  /**
   * Checked between requests; a cancelled cell stops early. A function rather than an AbortSignal:
   * the thread running inference does not process events until the cell ends, so the caller reads
   * shared memory here.
   */
  isCancelled?: () => boolean;
  /** The commit recorded in the environment when the deployment names it (the worker's INFERLAB_GIT_COMMIT). */
  gitCommit?: string | undefined;
  /** Pins onnxruntime's provider of an onnxruntime engine's session (the GPU check runs each path); default: chosen for the device. */
  ortBackend?: OrtBackend | undefined;
  /** Something the caller may want to log (the runner logs nothing itself): a measurement left out, and why. */
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
};

export { CellCancelledError };

/** Runs one cell: resolve, load (cached), warmup (discarded), then repetitions × prompts, timed. */
export async function runCell(spec: CellSpec, ctx: RunCellContext): Promise<CellRun> {
  ctx.onProgress?.({ done: 0, total: spec.repetitions * spec.prompts.length, phase: 'loading' });
  // Resolving may forge the model or build a variant file (rewriting a 500 MB fp32 graph): a
  // one-off cost of the cache, kept out of the cell's peak RSS, which starts with loading it.
  // An hf: model not yet cached is downloaded first: its bytes are the cell's progress meanwhile.
  const onDownload = (p: DownloadProgress) =>
    ctx.onProgress?.({ done: p.loaded, total: p.total ?? p.loaded, phase: 'downloading', file: p.file });
  const resolved = await resolveCellModel(spec.model, spec.variant, { ...ctx, onDownload });
  const probe = new PeakRssProbe();
  const { session, tokenizer } = await ctx.pool.get(resolved, sessionOptionsOf(spec, ctx));
  const { run: engineRun, ran } = await prepareCellEngine(spec, { model: resolved, session, tokenizer }, ctx);
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
  const requests: RequestRecord[] = [];
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
  // The file that made the tokens: llama.cpp's GGUF (its manifest's sha256), else the variant's ONNX graph.
  const ranFile = ran.file ?? { path: resolved.file, sha256: await fileSha256(resolved.file) };
  return {
    model: {
      id: spec.model,
      file: ranFile.path,
      sha256: ranFile.sha256,
      fileBytes: fileBytes(ranFile.path),
      paramCount: session.config.paramCount,
      paramBytes: session.config.paramCount * bytesPerParam,
    },
    environment: {
      ...captureEnvironment(spec.threads, session.backend, { gitCommit: ctx.gitCommit }),
      engine: ran.engine,
      backend: ran.backend,
      ...(ran.file === undefined ? {} : { ggufType: ran.file.ggufType }),
    },
    requests,
    memory: { peakRssBytes, kvCacheBytes, kvCacheDtype: session.kvCacheDtype, weightBytes },
    cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 },
    wallMs,
    metricsVersion: METRICS_VERSION,
    energy,
    quality,
  };
}

/**
 * The cell's ONNX session: on its device (a pinned provider when asked). llama.cpp runs its own binary
 * on the cell's device; the ONNX session there only tokenizes, reads the config and scores quality,
 * so it stays on the CPU.
 */
function sessionOptionsOf(spec: CellSpec, ctx: RunCellContext): SessionOptions {
  if (spec.engine === 'llama.cpp') return { threads: spec.threads, executionProvider: 'cpu' };
  return { threads: spec.threads, executionProvider: spec.device, backend: ctx.ortBackend };
}

async function cellQuality(
  spec: CellSpec,
  resolved: Awaited<ReturnType<typeof resolveModel>>,
  ctx: RunCellContext,
): Promise<Quality | null> {
  try {
    const plainFp32 = spec.variant.dtype === 'fp32' && resolved.kvCacheDtype === undefined;
    const reference = plainFp32 ? resolved : await resolveModel(spec.model, 'fp32', ctx);
    return await measureModelQuality(resolved, reference, ctx.pool, sessionOptionsOf(spec, ctx));
  } catch (cause) {
    // Quality is an extra: a model without an fp32 file (or one too large to load twice) still
    // gets its speed numbers; the reason goes to the caller, which logs it.
    ctx.onWarning?.(`quality of ${spec.model} ${spec.variant.dtype} not measured: ${(cause as Error).message}`, {
      model: spec.model,
      dtype: spec.variant.dtype,
    });
    return null;
  }
}
