import { greedy } from '../decoding/greedy.ts';
import { type Generation, generate } from '../engine/generate.ts';
import { captureEnvironment, type Environment } from '../metrics/environment.ts';
import { PeakRssProbe } from '../metrics/memory-probe.ts';
import { fileBytes, fileSha256 } from '../metrics/model-files.ts';
import type { TokenEvent } from '../metrics/token-clock.ts';
import { type ResolveOptions, resolveModel, type Variant } from '../model/resolve-model.ts';
import type { ExecutionProvider } from '../runtime/decoder-session.ts';
import type { ModelPool } from './model-pool.ts';

export const METRICS_VERSION = '1';

export type CellSpec = {
  model: string;
  variant: { dtype: Variant; cache: boolean };
  decoding: { strategy: 'greedy' };
  prompts: string[];
  maxNewTokens: number;
  batchSize: number;
  device: ExecutionProvider;
  threads: number;
  repetitions: number;
  warmup: number;
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
};

export type CellRun = {
  model: { id: string; file: string; sha256: string; fileBytes: number; paramCount: number; paramBytes: number };
  environment: Environment;
  requests: MeasuredRequest[];
  memory: { peakRssBytes: number; kvCacheBytes: number };
  cpu: { userMs: number; systemMs: number };
  wallMs: number;
  metricsVersion: string;
};

export type Progress = { done: number; total: number; phase: 'loading' | 'warmup' | 'measuring' };

export type RunCellContext = ResolveOptions & {
  pool: ModelPool;
  onProgress?: (p: Progress) => void;
  /** Checked between requests; a cancelled cell stops early. */
  signal?: AbortSignal;
};

/** Runs one cell: resolve, load (cached), warmup (discarded), then repetitions × prompts, timed. */
export async function runCell(spec: CellSpec, ctx: RunCellContext): Promise<CellRun> {
  if (spec.batchSize !== 1) throw new RangeError(`batchSize ${spec.batchSize}: only batch size 1 is supported so far`);
  const probe = new PeakRssProbe();
  ctx.onProgress?.({ done: 0, total: spec.repetitions * spec.prompts.length, phase: 'loading' });
  const resolved = await resolveModel(spec.model, spec.variant.dtype, ctx);
  const { session, tokenizer } = await ctx.pool.get(resolved, { threads: spec.threads, executionProvider: spec.device });
  const options = {
    maxNewTokens: spec.maxNewTokens,
    useCache: spec.variant.cache,
    strategy: greedy,
    eosTokenIds: session.config.eosTokenIds,
  };
  const run = (prompt: string): Promise<Generation> => generate(session, tokenizer, prompt, options);

  for (let w = 0; w < spec.warmup; w++) {
    for (const prompt of spec.prompts) await run(prompt);
    ctx.onProgress?.({ done: 0, total: spec.repetitions * spec.prompts.length, phase: 'warmup' });
  }

  const total = spec.repetitions * spec.prompts.length;
  const requests: MeasuredRequest[] = [];
  let kvCacheBytes = 0;
  const cpuStart = process.cpuUsage();
  const windowStart = performance.now();
  for (let repetition = 0; repetition < spec.repetitions; repetition++) {
    for (const [promptIndex, prompt] of spec.prompts.entries()) {
      if (ctx.signal?.aborted) throw new Error('cell cancelled');
      const startedAt = performance.now() - windowStart;
      const g = await run(prompt);
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
      });
      ctx.onProgress?.({ done: requests.length, total, phase: 'measuring' });
    }
  }
  const wallMs = performance.now() - windowStart;
  const cpu = process.cpuUsage(cpuStart);
  const peakRssBytes = probe.stop();
  const bytesPerParam = spec.variant.dtype === 'int8' ? 1 : 4;
  return {
    model: {
      id: spec.model,
      file: resolved.file,
      sha256: await fileSha256(resolved.file),
      fileBytes: fileBytes(resolved.file),
      paramCount: session.config.paramCount,
      paramBytes: session.config.paramCount * bytesPerParam,
    },
    environment: captureEnvironment(spec.threads, spec.device),
    requests,
    memory: { peakRssBytes, kvCacheBytes },
    cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 },
    wallMs,
    metricsVersion: METRICS_VERSION,
  };
}
