import type { CellConfig } from '../cell-config.ts';

/**
 * A reason one cell cannot run: `path` is the cell config field to change (`decoding.strategy`,
 * `variant.kvCacheDtype`, `batchSize`), `message` says why and what to do.
 */
export type CellIssue = { path: string; message: string };

/** One rule of what runs together: the issues of a cell, none when it can run. */
export type CellRule = (cell: CellConfig) => CellIssue[];
