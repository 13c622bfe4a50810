// Test support (not exported from index.ts): every issue a matrix body gets, as the api answers them.
import { matrixCellIssues } from '../cell-rules/matrix-cell-issues.ts';
import { expandMatrix } from '../expand.ts';
import type { MatrixIssue } from '../matrix-issues.ts';
import { InvalidMatrixError, type MatrixSchemaOptions, parseMatrix } from '../matrix-schema.ts';

/** Shape errors from parseMatrix, else what cannot run together (cell-rules/) on the expanded cells; [] when it runs. */
export function matrixIssuesOf(input: unknown, options?: MatrixSchemaOptions): MatrixIssue[] {
  try {
    const m = parseMatrix(input, options);
    return matrixCellIssues(m, expandMatrix('e', m));
  } catch (err) {
    if (err instanceof InvalidMatrixError) return err.issues;
    throw err;
  }
}
