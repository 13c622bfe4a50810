import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { CellConfig } from './cell-config.ts';
import { autoKvLayout } from './cell-rules/kv-layout-rule.ts';
import type { Matrix } from './matrix-schema.ts';
import { PermanentError } from './retry-policy.ts';

export const DEFAULT_MAX_CELLS = 512;

export type Cell = { id: string; index: number; config: CellConfig };

/** The matrix expands to more cells than allowed; the api answers 422 with both numbers. */
export class TooManyCellsError extends PermanentError {
  override readonly name = 'TooManyCellsError';
  constructor(
    readonly cells: number,
    readonly limit: number,
  ) {
    super(`the matrix expands to ${cells} cells, over the limit of ${limit}; split it into smaller experiments`);
  }
}

/**
 * Content hash of a cell: first 32 hex chars of sha256 over the canonical JSON of
 * `{ experimentId, config }`. Stable across key order; distinct across experiments.
 */
export function cellId(experimentId: string, config: CellConfig): string {
  return createHash('sha256').update(canonicalJson({ experimentId, config })).digest('hex').slice(0, 32);
}

/** Number of cells a matrix expands to, without building them. */
export function countCells(matrix: Matrix): number {
  const { models, variants, decoding, maxNewTokens, batchSizes, devices, threads, scenarios, engines } = matrix;
  return [models, variants, decoding, maxNewTokens, batchSizes, devices, threads, scenarios, engines].reduce(
    (n, list) => n * list.length,
    1,
  );
}

/**
 * Cartesian product in a fixed order (model, variant, decoding, maxNewTokens, batchSize, device,
 * threads, scenario, engine; the last varies fastest, so the engines of one config sit side by
 * side), so the same matrix always yields the same cell indices.
 */
export function expandMatrix(experimentId: string, matrix: Matrix, options: { maxCells?: number } = {}): Cell[] {
  const limit = options.maxCells ?? DEFAULT_MAX_CELLS;
  const count = countCells(matrix);
  if (count > limit) throw new TooManyCellsError(count, limit);

  const { prompts, repetitions, warmup } = matrix;
  const cells: Cell[] = [];
  for (const model of matrix.models)
    for (const variant of matrix.variants)
      for (const decoding of matrix.decoding)
        for (const maxNewTokens of matrix.maxNewTokens)
          for (const batchSize of matrix.batchSizes)
            for (const device of matrix.devices)
              for (const threads of matrix.threads)
                for (const scenario of matrix.scenarios)
                  for (const engine of matrix.engines) {
                    const config: CellConfig = {
                      model,
                      variant: cellVariant(variant, { model, decoding, engine, device }),
                      decoding: { ...decoding },
                      prompts: [...prompts],
                      maxNewTokens,
                      batchSize,
                      device,
                      threads,
                      repetitions,
                      warmup,
                      engine,
                      scenario: { ...scenario },
                      ...(matrix.slo === undefined ? {} : { slo: { ...matrix.slo } }),
                      ...(matrix.pricePerHour === undefined ? {} : { pricePerHour: matrix.pricePerHour }),
                    };
                    cells.push({ id: cellId(experimentId, config), index: cells.length, config });
                  }
  return cells;
}

/**
 * The variant as a cell carries it: kvCacheDtype only when int8 (absent = fp32, the ids of older
 * cells); kvLayout "auto" resolved for the cell (autoKvLayout: in-place where it runs, else absent =
 * concat). Without the cell, "auto" is left absent (matrixCellIssues' lookup; auto never has issues).
 */
export function cellVariant(
  { kvCacheDtype, kvLayout, ...rest }: Matrix['variants'][number],
  cell?: Pick<CellConfig, 'model' | 'decoding' | 'engine' | 'device'>,
): CellConfig['variant'] {
  const variant: CellConfig['variant'] = kvCacheDtype === 'int8' ? { ...rest, kvCacheDtype } : { ...rest };
  const layout = kvLayout === 'auto' || kvLayout === undefined ? cell && autoKvLayout({ ...cell, variant }) : kvLayout;
  return layout === undefined ? variant : { ...variant, kvLayout: layout };
}
