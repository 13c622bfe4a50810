import type { CellConfig } from '@inferlab/experiments';
import { asc, eq } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { cellsTable, requestsTable } from './schema.ts';

// What the model said: every measured request's text and token ids (GET /v1/cells/:id/outputs),
// and per prompt a comparison across an experiment's cells (GET /v1/experiments/:id/outputs).

export type RequestOutput = { repetition: number; promptIndex: number; stopReason: string; text: string; tokenIds: number[] };

/** Every measured request's output in (repetition, prompt) order; null for an unknown cell. */
export function getCellOutputs(db: Db, cellId: string): { cellId: string; outputs: RequestOutput[] } | null {
  const cell = db.select({ id: cellsTable.id }).from(cellsTable).where(eq(cellsTable.id, cellId)).get();
  if (cell === undefined) return null;
  const rows = db
    .select({
      repetition: requestsTable.repetition,
      promptIndex: requestsTable.promptIndex,
      stopReason: requestsTable.stopReason,
      text: requestsTable.text,
      tokenIds: requestsTable.outputTokenIds,
    })
    .from(requestsTable)
    .where(eq(requestsTable.cellId, cellId))
    .orderBy(asc(requestsTable.repetition), asc(requestsTable.promptIndex))
    .all();
  return { cellId, outputs: rows.map((r) => ({ ...r, tokenIds: r.tokenIds as number[] })) };
}

export type OutputComparison = {
  cellId: string;
  index: number;
  config: Pick<CellConfig, 'model' | 'variant' | 'decoding' | 'engine'>;
  /** The first measured repetition's output for this prompt; null when the cell has none (not done). */
  text: string | null;
  tokenIds: number[] | null;
  /** The cell this one is compared with (itself when it is the reference); null when no cell of its model has output. */
  referenceCellId: string | null;
  /** Against the reference cell: identical token ids, and the first token position where they differ (null when identical). */
  sameAsReference: boolean | null;
  firstDivergence: number | null;
  /** Do this cell's repetitions all produce the same tokens? (false is expected when sampling) */
  repetitionsAgree: boolean | null;
};

export type PromptOutputs = { promptIndex: number; cells: OutputComparison[] };

/**
 * Per prompt, each cell's output beside the reference: the first done cell of the same model whose
 * variant is fp32 with greedy decoding (what every variant should reproduce), else the first done
 * cell. Divergence is by token id, so "where does int8 first differ from fp32" has one answer.
 */
export function getExperimentOutputs(db: Db, experimentId: string): PromptOutputs[] | null {
  const cells = db.select().from(cellsTable).where(eq(cellsTable.experimentId, experimentId)).orderBy(asc(cellsTable.index)).all();
  if (cells.length === 0) return null;
  const outputs = new Map(cells.map((c) => [c.id, getCellOutputs(db, c.id)?.outputs ?? []]));
  const promptCount = Math.max(
    0,
    ...cells.map((c) => c.config.prompts?.length ?? 0),
    ...[...outputs.values()].flat().map((o) => o.promptIndex + 1),
  );
  const isReference = (c: (typeof cells)[number]) =>
    c.status === 'done' && c.config.variant.dtype === 'fp32' && c.config.decoding.strategy === 'greedy';
  const result: PromptOutputs[] = [];
  for (let promptIndex = 0; promptIndex < promptCount; promptIndex++) {
    const first = (cellId: string) => (outputs.get(cellId) ?? []).find((o) => o.promptIndex === promptIndex) ?? null;
    const entries = cells.map((cell) => {
      const mine = (outputs.get(cell.id) ?? []).filter((o) => o.promptIndex === promptIndex);
      const head = mine[0] ?? null;
      return {
        cell,
        head,
        repetitionsAgree: head === null ? null : mine.every((o) => sameTokens(o.tokenIds, head.tokenIds)),
      };
    });
    const referenceFor = (model: string) =>
      cells.find((c) => c.config.model === model && isReference(c) && first(c.id) !== null) ??
      cells.find((c) => c.config.model === model && first(c.id) !== null) ??
      null;
    result.push({
      promptIndex,
      cells: entries.map(({ cell, head, repetitionsAgree }) => {
        const reference = referenceFor(cell.config.model);
        const refTokens = reference ? (first(reference.id)?.tokenIds ?? null) : null;
        const divergence = head && refTokens ? firstDivergence(head.tokenIds, refTokens) : null;
        return {
          cellId: cell.id,
          index: cell.index,
          config: { model: cell.config.model, variant: cell.config.variant, decoding: cell.config.decoding, engine: cell.config.engine },
          text: head?.text ?? null,
          tokenIds: head?.tokenIds ?? null,
          referenceCellId: reference?.id ?? null,
          sameAsReference: head && refTokens ? divergence === null : null,
          firstDivergence: divergence,
          repetitionsAgree,
        };
      }),
    });
  }
  return result;
}

const sameTokens = (a: readonly number[], b: readonly number[]) => firstDivergence(a, b) === null;

/** The first position where the two token sequences differ (a length difference counts at the shorter's end); null when equal. */
export function firstDivergence(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? null : n;
}
