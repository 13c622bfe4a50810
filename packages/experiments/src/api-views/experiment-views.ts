import { z } from 'zod';
import { cellConfigSchema } from '../cell-config.ts';
import type { Matrix } from '../matrix-schema.ts';

// What the api answers about experiments (docs/contracts.md "HTTP"); the dashboard and the CLI
// read these types, the api's store writes them.

export const EXPERIMENT_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const CELL_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const experimentStatusSchema = z.enum(EXPERIMENT_STATUSES);
export const cellStatusSchema = z.enum(CELL_STATUSES);
export type ExperimentStatus = z.infer<typeof experimentStatusSchema>;
export type CellStatus = z.infer<typeof cellStatusSchema>;

const count = z.number().int().min(0);

/** Cells of an experiment per status. */
export const experimentProgressSchema = z.object({
  total: count,
  queued: count,
  running: count,
  done: count,
  failed: count,
  cancelled: count,
});
export type ExperimentProgress = z.infer<typeof experimentProgressSchema>;

/** One entry of `GET /v1/experiments`. */
export const experimentListItemSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  status: experimentStatusSchema,
  progress: experimentProgressSchema,
});
export type ExperimentListItem = z.infer<typeof experimentListItemSchema>;
export const experimentListSchema = z.object({ experiments: z.array(experimentListItemSchema) });
export type ExperimentList = z.infer<typeof experimentListSchema>;

/** One row of the paged `GET /v1/experiments?status=&model=&name=&prompt=&limit=&cursor=`. */
export const experimentListRowSchema = experimentListItemSchema.extend({
  models: z.array(z.string()),
  /** From the first cell's start to the last cell's finish; null until a cell has finished. */
  durationMs: z.number().nullable(),
});
export type ExperimentListRow = z.infer<typeof experimentListRowSchema>;
/** A page of the list; `nextCursor` (null on the last page) asks for the next one. */
export const experimentListPageSchema = z.object({ experiments: z.array(experimentListRowSchema), nextCursor: z.string().nullable() });
export type ExperimentListPage = z.infer<typeof experimentListPageSchema>;

/** A cell's config as the api shows it: the prompts may be left to the experiment (`matrix.prompts`, listed once). */
export const cellConfigViewSchema = cellConfigSchema.extend({ prompts: z.array(z.string()).optional() });
export type CellConfigView = z.infer<typeof cellConfigViewSchema>;

export const experimentCellViewSchema = z.object({
  id: z.string(),
  index: count,
  status: cellStatusSchema,
  attempt: count,
  error: z.string().nullable(),
  config: cellConfigViewSchema,
});
export type ExperimentCellView = z.infer<typeof experimentCellViewSchema>;

/** `GET /v1/experiments/:id`: the matrix as submitted (parsed), and every cell's state. */
export const experimentViewSchema = experimentListItemSchema.extend({
  // The matrix schema takes options (known forge models); its stored output is its own type.
  matrix: z.custom<Matrix>((v) => typeof v === 'object' && v !== null),
  cells: z.array(experimentCellViewSchema),
});
export type ExperimentView = z.infer<typeof experimentViewSchema>;

/** `event: experiment` of `GET /v1/events`: a change of an experiment, with the cell that moved. */
export const experimentEventSchema = experimentListItemSchema.pick({ id: true, status: true, progress: true }).extend({
  cell: z.object({ id: z.string(), status: z.string(), done: count.optional(), total: count.optional() }).optional(),
});
export type ExperimentEvent = z.infer<typeof experimentEventSchema>;
