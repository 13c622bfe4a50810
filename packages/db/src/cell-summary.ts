import { type CellCost, type CellMetrics, cellCost, cellMetrics, type Environment, type Quality } from '@inferlab/experiments';
import { eq } from 'drizzle-orm';
import { loadRequestTimelines, type RequestTokens } from './cell-tokens.ts';
import type { CellRow } from './cells-repo.ts';
import type { Db } from './open-db.ts';
import { type CellStatus, cellsTable, requestsTable, type StoredCellConfig } from './schema.ts';

/** One cell's entry in results and comparisons (docs/contracts.md `CellSummary`). */
export type CellSummary = CellMetrics & {
  cellId: string;
  index: number;
  status: CellStatus;
  attempt: number;
  error: string | null;
  /** Without the prompts: they are the experiment's. */
  config: StoredCellConfig;
  model: { file: string | null; sha256: string | null; fileBytes: number | null; paramCount: number | null; paramBytes: number | null };
  peakRssBytes: number | null;
  kvCacheBytes: number | null;
  /** How the cache stored keys/values (kvCacheBytes counts int8 codes + float32 scales for int8); null for older results. */
  kvCacheDtype: 'fp32' | 'int8' | null;
  /** The model file's stored tensors by element type (`float32`, `int8`, `uint4` = packed 4-bit …); null for older results. */
  weightBytes: Record<string, number> | null;
  /** cuda cells: GPU memory peak and mean utilisation from nvidia-smi; null elsewhere. */
  gpu: { name: string | null; peakMemoryUsedBytes: number; meanUtilizationPct: number; samples: number } | null;
  cpu: { userMs: number; systemMs: number } | null;
  wallMs: number | null;
  environment: Environment | null;
  metricsVersion: string | null;
  /** CPU time and energy per 1k tokens, cost per 1M tokens (docs/metrics.md "Cost"). */
  cost: CellCost;
  /** Perplexity, top-1 agreement, KL and greedy prefix against fp32 (docs/metrics.md "Quality"); null when not measured. */
  quality: Quality | null;
};

/** A stored cell and its request timelines → its summary (metrics computed from the raw events). */
export function toCellSummary(cell: CellRow, requests: readonly RequestTokens[]): CellSummary {
  const metrics = cellMetrics({ variant: cell.config.variant, modelFileBytes: cell.modelFileBytes, requests, slo: cell.config.slo });
  let tokens = 0;
  for (const r of requests) for (const e of r.events) tokens += e.n;
  return {
    cellId: cell.id,
    index: cell.index,
    status: cell.status,
    attempt: cell.attempt,
    error: cell.error,
    config: cell.config,
    ...metrics,
    model: {
      file: cell.modelFile,
      sha256: cell.modelSha256,
      fileBytes: cell.modelFileBytes,
      paramCount: cell.modelParamCount,
      paramBytes: cell.modelParamBytes,
    },
    peakRssBytes: cell.memory?.peakRssBytes ?? null,
    kvCacheBytes: cell.memory?.kvCacheBytes ?? null,
    kvCacheDtype: cell.memory?.kvCacheDtype ?? null,
    weightBytes: cell.memory?.weightBytes ?? null,
    gpu: cell.memory?.gpu ?? null,
    cpu: cell.cpu,
    wallMs: cell.wallMs,
    environment: cell.environment,
    metricsVersion: cell.metricsVersion,
    cost: cellCost({
      tokens,
      windowMs: metrics.throughput.windowMs,
      cpu: cell.cpu,
      energy: cell.energy,
      pricePerHour: cell.config.pricePerHour ?? null,
    }),
    quality: cell.quality ?? null,
  };
}

/** One cell's summary and its timelines; null for an unknown cell. */
export function getCellSummary(db: Db, cellId: string): { summary: CellSummary; requests: RequestTokens[] } | null {
  const cell = db.select().from(cellsTable).where(eq(cellsTable.id, cellId)).get();
  if (cell === undefined) return null;
  const requests = loadRequestTimelines(db, eq(requestsTable.cellId, cellId)).get(cellId) ?? [];
  return { summary: toCellSummary(cell, requests), requests };
}
