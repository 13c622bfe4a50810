import type { CellSummary } from '@inferlab/experiments';

export type Scalar = string | number | boolean | null;

/** A number (or short text) a cell may report beyond the seed row and latencies; named by its path. */
export type CellMetric = {
  key: string;
  title: string;
  value: (c: CellSummary) => Scalar;
  /** A difference from a reference (or a slope): 0 is its natural value, so b/a means nothing. */
  difference?: true;
};

const mb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : bytes / 2 ** 20);

/**
 * Every further number of a CellSummary the table, CSV and compare show, in column order. Typed
 * paths into the contract (@inferlab/experiments api-views): a new field is added here by name.
 */
export const CELL_METRICS: readonly CellMetric[] = [
  { key: 'throughput.tokensPerS', title: 'Σ N_out / measured window', value: (c) => c.throughput.tokensPerS },
  { key: 'throughput.requestsPerS', title: 'requests / measured window', value: (c) => c.throughput.requestsPerS },
  { key: 'tpotUnavailable', title: 'why TPOT and ITL are missing', value: (c) => c.tpotUnavailable },
  {
    key: 'decodeSlope.msPer100Tokens',
    title: 'ITL growth per 100 tokens of context, ms',
    value: (c) => c.decodeSlope?.msPer100Tokens ?? null,
    difference: true,
  },
  { key: 'repetitions.e2el.p50.cv', title: 'run-to-run CV of the E2EL median', value: (c) => c.repetitions?.spread.e2el?.p50.cv ?? null },
  { key: 'queue.p50', title: 'server scenario: median queueing delay, ms', value: (c) => c.queue?.p50 ?? null },
  { key: 'queue.p95', title: 'server scenario: p95 queueing delay, ms', value: (c) => c.queue?.p95 ?? null },
  { key: 'goodput.requestsPerS', title: 'requests meeting every SLO per second', value: (c) => c.goodput?.requestsPerS ?? null },
  { key: 'strategy.acceptanceRate', title: 'accepted / proposed draft tokens', value: (c) => c.strategy?.acceptanceRate ?? null },
  {
    key: 'strategy.meanAcceptedPerTargetForward',
    title: 'draft tokens accepted per target forward',
    value: (c) => c.strategy?.meanAcceptedPerTargetForward ?? null,
  },
  { key: 'strategy.exits.meanLayers', title: 'early exit: blocks run per token', value: (c) => c.strategy?.exits?.meanLayers ?? null },
  {
    key: 'strategy.exits.agreement',
    title: 'early exit: share equal to full-model greedy',
    value: (c) => c.strategy?.exits?.agreement ?? null,
  },
  { key: 'quality.perplexity', title: 'perplexity on the eval text', value: (c) => c.quality?.perplexity ?? null },
  {
    key: 'quality.perplexityDelta',
    title: 'perplexity minus the fp32 file’s',
    value: (c) => c.quality?.perplexityDelta ?? null,
    difference: true,
  },
  {
    key: 'quality.top1Agreement',
    title: 'share of positions whose top-1 token equals fp32’s',
    value: (c) => c.quality?.top1Agreement ?? null,
  },
  { key: 'quality.meanKl', title: 'mean KL(fp32 ‖ variant), nats', value: (c) => c.quality?.meanKl ?? null, difference: true },
  {
    key: 'quality.greedyPrefix',
    title: 'greedy tokens equal to fp32 before the first difference',
    value: (c) => c.quality?.greedyPrefix ?? null,
  },
  { key: 'peakRss_MB', title: 'peak resident memory, MiB', value: (c) => mb(c.peakRssBytes) },
  { key: 'kvCache_MB', title: 'KV cache at its largest, MiB', value: (c) => mb(c.kvCacheBytes) },
  { key: 'kvCacheDtype', title: 'how the KV cache stores keys and values', value: (c) => c.kvCacheDtype },
  { key: 'gpu.peakMemory_MB', title: 'GPU memory peak, MiB', value: (c) => mb(c.gpu?.peakMemoryUsedBytes) },
  { key: 'gpu.meanUtilizationPct', title: 'mean GPU utilisation, %', value: (c) => c.gpu?.meanUtilizationPct ?? null },
  { key: 'cost.cpuMsPer1kTokens', title: 'CPU ms per 1k tokens', value: (c) => c.cost.cpuMsPer1kTokens },
  { key: 'cost.joulesPer1kTokens', title: 'energy per 1k tokens, J', value: (c) => c.cost.joulesPer1kTokens },
  { key: 'cost.energySource', title: 'where the energy figure comes from', value: (c) => c.cost.energy?.source ?? null },
  { key: 'cost.costPer1MTokens', title: 'machine price per 1M tokens', value: (c) => c.cost.costPer1MTokens },
];

/** The metrics that have a value in at least one of the cells (the others would be empty columns). */
export function presentMetrics(cells: readonly CellSummary[]): CellMetric[] {
  return CELL_METRICS.filter((m) => cells.some((c) => m.value(c) !== null));
}

/** Quality against fp32, for the speed-vs-quality chart: what the user may put on its y axis. */
export const QUALITY_METRICS = [
  { key: 'top1Agreement', label: 'top-1 agreement with fp32', value: (c: CellSummary) => c.quality?.top1Agreement ?? null },
  { key: 'meanKl', label: 'mean KL vs fp32 (nats)', value: (c: CellSummary) => c.quality?.meanKl ?? null },
  { key: 'perplexityDelta', label: 'perplexity Δ vs fp32', value: (c: CellSummary) => c.quality?.perplexityDelta ?? null },
] as const;
export type QualityMetricKey = (typeof QUALITY_METRICS)[number]['key'];
