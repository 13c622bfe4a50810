import { createHash } from 'node:crypto';
import {
  type CellConfig,
  type ComparedMetric,
  canonicalJson,
  compareCells,
  type Environment,
  type Interval,
  RESULTS_BOOTSTRAP,
  type SampleComparison,
} from '@inferlab/experiments';
import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { cellWithPrompts, experimentPromptsSql } from './cell-prompts.ts';
import { toCellSummary } from './cell-summary.ts';
import { loadRequestTimelines, type RequestTokens } from './cell-tokens.ts';
import type { Db } from './open-db.ts';
import { cellsTable, experimentsTable, requestsTable } from './schema.ts';
import { cachedSummary, rememberSummary } from './summary-cache.ts';

// "The same measurement" over time (GET /v1/history): a configuration key — the model file's
// sha256 and every config field that changes what is measured — plus the hardware that measured
// it. Runs of one key on one hardware form a series; each run is compared with the one before it.

/** Config fields that do not change what one request measures: how many, and how it is judged. */
const NOT_MEASUREMENT: readonly (keyof CellConfig)[] = ['repetitions', 'warmup', 'slo', 'pricePerHour'];
const HISTORY_METRICS = ['ttft', 'tpot', 'e2el', 'tokensPerS'] as const;
type HistoryMetric = (typeof HISTORY_METRICS)[number];
/** tokens/s is better when higher; the latencies when lower. */
const HIGHER_IS_BETTER: Record<HistoryMetric, boolean> = { ttft: false, tpot: false, e2el: false, tokensPerS: true };

export type Hardware = { host: string; cpuModel: string; gpu: string | null };
export type MetricPoint = { median: number; ci: Interval | null } | null;

export type Regression = {
  /** The run this one is compared with: the previous run of the same key on the same hardware. */
  previousCellId: string;
  /** Metrics significantly slower than the previous run and outside the A/A noise floor. */
  slower: { metric: HistoryMetric; ratio: number; ci: Interval; pValue: number; noiseFloor: number | null }[];
};

export type HistoryRun = {
  cellId: string;
  experimentId: string;
  experimentName: string;
  finishedAt: string;
  gitCommit: string | null;
  workerId: string | null;
  hardware: Hardware;
  metrics: Record<HistoryMetric, MetricPoint>;
  /** null for the first run of a series. */
  previousCellId: string | null;
  regression: Regression | null;
};

export type HistorySeries = { key: string; hardwareKey: string; hardware: Hardware; runs: HistoryRun[] };
export type HistoryKeySummary = {
  key: string;
  model: string;
  modelSha256: string;
  config: Omit<CellConfig, 'repetitions' | 'warmup' | 'slo' | 'pricePerHour'>;
  runs: number;
  hardware: Hardware[];
  lastRunAt: string;
};

const shortHash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);

export function measurementConfig(config: CellConfig): HistoryKeySummary['config'] {
  const out: Record<string, unknown> = { ...config };
  for (const field of NOT_MEASUREMENT) delete out[field];
  return out as HistoryKeySummary['config'];
}

/** The configuration key of a run: model file sha256 + the config fields that change the measurement. */
export function historyKey(config: CellConfig, modelSha256: string): string {
  return shortHash({ modelSha256, config: measurementConfig(config) });
}

export function hardwareOf(environment: Environment | null): Hardware {
  return { host: environment?.host ?? 'unknown', cpuModel: environment?.cpuModel ?? 'unknown', gpu: environment?.gpu ?? null };
}

type DoneCell = Omit<typeof cellsTable.$inferSelect, 'config'> & {
  config: CellConfig;
  experimentName: string;
  modelSha256: string;
  finishedAt: string;
};

function doneCells(db: Db): DoneCell[] {
  return db
    .select({ cell: cellsTable, experimentName: experimentsTable.name, prompts: experimentPromptsSql })
    .from(cellsTable)
    .innerJoin(experimentsTable, eq(experimentsTable.id, cellsTable.experimentId))
    .where(and(eq(cellsTable.status, 'done'), isNotNull(cellsTable.modelSha256), isNotNull(cellsTable.finishedAt)))
    .orderBy(asc(cellsTable.finishedAt), asc(cellsTable.id))
    .all()
    .map(({ cell, experimentName, prompts }) => ({ ...cell, config: cellWithPrompts(cell.config, prompts), experimentName }) as DoneCell);
}

/** Keys with the most runs first (then the most recent). */
export function listHistoryKeys(db: Db, limit = 20): HistoryKeySummary[] {
  const byKey = new Map<string, HistoryKeySummary & { hardwareKeys: Set<string> }>();
  for (const cell of doneCells(db)) {
    const key = historyKey(cell.config, cell.modelSha256);
    const entry = byKey.get(key) ?? {
      key,
      model: cell.config.model,
      modelSha256: cell.modelSha256,
      config: measurementConfig(cell.config),
      runs: 0,
      hardware: [],
      hardwareKeys: new Set<string>(),
      lastRunAt: cell.finishedAt,
    };
    entry.runs += 1;
    // ISO-8601 strings order as their times do (Math.max would turn them into NaN).
    if (cell.finishedAt > entry.lastRunAt) entry.lastRunAt = cell.finishedAt;
    const hardware = hardwareOf(cell.environment);
    if (!entry.hardwareKeys.has(shortHash(hardware))) {
      entry.hardwareKeys.add(shortHash(hardware));
      entry.hardware.push(hardware);
    }
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .sort((a, b) => b.runs - a.runs || b.lastRunAt.localeCompare(a.lastRunAt))
    .slice(0, limit)
    .map(({ hardwareKeys: _, ...rest }) => rest);
}

/** Every run of one key over time, one series per hardware, each run compared with its predecessor. */
export function historyOfKey(db: Db, key: string): HistorySeries[] {
  return seriesOf(
    db,
    key,
    doneCells(db).filter((cell) => historyKey(cell.config, cell.modelSha256) === key),
  );
}

/** The newest regressions across every key, newest first (one pass over the done cells). */
export function latestRegressions(db: Db, limit = 20): (HistoryRun & { key: string })[] {
  const byKey = new Map<string, DoneCell[]>();
  for (const cell of doneCells(db)) {
    const key = historyKey(cell.config, cell.modelSha256);
    byKey.set(key, [...(byKey.get(key) ?? []), cell]);
  }
  const out: (HistoryRun & { key: string })[] = [];
  for (const [key, cells] of byKey) {
    if (cells.length < 2) continue; // a single run has nothing to regress from
    for (const s of seriesOf(db, key, cells)) for (const run of s.runs) if (run.regression !== null) out.push({ ...run, key });
  }
  return out.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt)).slice(0, limit);
}

function seriesOf(db: Db, key: string, cells: readonly DoneCell[]): HistorySeries[] {
  const timelines = loadTimelines(
    db,
    cells.map((c) => c.id),
  );
  const series = new Map<string, HistorySeries>();
  for (const cell of cells) {
    const hardware = hardwareOf(cell.environment);
    const hardwareKey = shortHash(hardware);
    const s = series.get(hardwareKey) ?? { key, hardwareKey, hardware, runs: [] };
    series.set(hardwareKey, s);
    const previous = s.runs.at(-1) ?? null;
    s.runs.push({
      cellId: cell.id,
      experimentId: cell.experimentId,
      experimentName: cell.experimentName,
      finishedAt: cell.finishedAt,
      gitCommit: cell.environment?.gitCommit ?? null,
      workerId: cell.workerId,
      hardware,
      metrics: pointsOf(db, cell, timelines.get(cell.id) ?? []),
      previousCellId: previous?.cellId ?? null,
      regression: null,
    });
  }
  for (const s of series.values()) {
    for (let i = 1; i < s.runs.length; i++) {
      const run = s.runs[i] as HistoryRun;
      const previous = s.runs[i - 1] as HistoryRun;
      const floors = noiseFloors(s.runs, timelines, new Set([run.cellId, previous.cellId]));
      run.regression = regressionOf(timelines.get(previous.cellId) ?? [], timelines.get(run.cellId) ?? [], previous.cellId, floors);
    }
  }
  return [...series.values()];
}

function loadTimelines(db: Db, ids: readonly string[]): Map<string, RequestTokens[]> {
  const out = new Map<string, RequestTokens[]>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const [id, t] of loadRequestTimelines(db, inArray(requestsTable.cellId, ids.slice(i, i + 500)))) out.set(id, t);
  }
  return out;
}

function pointsOf(db: Db, cell: DoneCell, requests: readonly RequestTokens[]): Record<HistoryMetric, MetricPoint> {
  const summary =
    cachedSummary(db, cell) ??
    (() => {
      const fresh = toCellSummary(cell, requests);
      rememberSummary(db, cell, fresh);
      return fresh;
    })();
  const point = (m: typeof summary.ttft): MetricPoint =>
    m === null ? null : { median: m.p50, ci: m.ci ? { lo: m.ci.p50.lo, hi: m.ci.p50.hi } : null };
  // The median of each request's N_out / E2EL: the quantity the regression test compares (compareCells),
  // so a flagged tokens/s drop shows on its line (the cell's throughput window would hide it).
  const tps = summary.seed?.tokens_per_s ?? null;
  return {
    ttft: point(summary.ttft),
    tpot: point(summary.tpot),
    e2el: point(summary.e2el),
    tokensPerS: tps === null ? null : { median: tps, ci: null },
  };
}

/**
 * The A/A noise floor of this hardware for each metric: the median minimum detectable difference
 * over consecutive runs of the series other than the pair being judged (a pair's own difference
 * must not hide itself). null where no other pair exists.
 */
function noiseFloors(
  runs: readonly HistoryRun[],
  timelines: Map<string, RequestTokens[]>,
  exclude: Set<string>,
): Record<HistoryMetric, number | null> {
  const mdds: Record<HistoryMetric, number[]> = { ttft: [], tpot: [], e2el: [], tokensPerS: [] };
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1] as HistoryRun;
    const b = runs[i] as HistoryRun;
    if (exclude.has(a.cellId) || exclude.has(b.cellId)) continue;
    const { metrics } = compareCells(timelines.get(a.cellId) ?? [], timelines.get(b.cellId) ?? [], RESULTS_BOOTSTRAP);
    for (const m of HISTORY_METRICS) {
      const c = metrics[m];
      if (c) mdds[m].push(Math.max(c.ci.hi - 1, 1 - c.ci.lo));
    }
  }
  const median = (v: number[]) => (v.length === 0 ? null : ([...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)] ?? null));
  return { ttft: median(mdds.ttft), tpot: median(mdds.tpot), e2el: median(mdds.e2el), tokensPerS: median(mdds.tokensPerS) };
}

/** Slower with significance (Mann-Whitney p < 0.05 and the ratio's CI on the slow side of 1) and beyond the noise floor. */
export function regressionOf(
  previous: readonly RequestTokens[],
  current: readonly RequestTokens[],
  previousCellId: string,
  floors: Record<HistoryMetric, number | null>,
): Regression | null {
  const { metrics } = compareCells(previous, current, RESULTS_BOOTSTRAP);
  const slower: Regression['slower'] = [];
  for (const m of HISTORY_METRICS) {
    const c = metrics[m as ComparedMetric] as SampleComparison | null;
    if (c === null || c.pValue >= 0.05) continue;
    const slowSide = HIGHER_IS_BETTER[m] ? c.ci.hi < 1 : c.ci.lo > 1;
    const effect = HIGHER_IS_BETTER[m] ? 1 - c.ratio : c.ratio - 1;
    const floor = floors[m];
    if (slowSide && (floor === null || effect > floor)) {
      slower.push({ metric: m, ratio: c.ratio, ci: { lo: c.ci.lo, hi: c.ci.hi }, pValue: c.pValue, noiseFloor: floor });
    }
  }
  return slower.length === 0 ? null : { previousCellId, slower };
}
