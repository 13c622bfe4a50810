import { canonicalJson } from '../canonical-json.ts';
import type { CellConfig } from '../cell-config.ts';
import { type Cell, cellVariant } from '../expand.ts';
import type { MatrixIssue } from '../matrix-issues.ts';
import { InvalidMatrixError, type Matrix } from '../matrix-schema.ts';
import { cellIssues } from './cell-issues.ts';

// A cell field and the matrix axis it came from. Object-valued axes (variants, decoding, scenarios)
// name the entry (`variants.1.kvCacheDtype`); for a list of plain values the list is the field.
const OBJECT_AXES = {
  // A variant's kvLayout "auto" depends on the cell (model, engine …): resolved for this one.
  variant: { axis: 'variants', entry: (m: Matrix, cell: CellConfig) => m.variants.map((v) => cellVariant(v, cell)) },
  decoding: { axis: 'decoding', entry: (m: Matrix) => m.decoding },
  scenario: { axis: 'scenarios', entry: (m: Matrix) => m.scenarios },
} as const;
const VALUE_AXES: Partial<Record<keyof CellConfig, string>> = {
  model: 'models',
  batchSize: 'batchSizes',
  engine: 'engines',
  device: 'devices',
  threads: 'threads',
  maxNewTokens: 'maxNewTokens',
};

/** cellIssues of every cell, each named by the matrix field that made it, each issue once. */
export function matrixCellIssues(matrix: Matrix, cells: readonly Pick<Cell, 'config'>[]): MatrixIssue[] {
  const seen = new Set<string>();
  const out: MatrixIssue[] = [];
  const push = (issue: MatrixIssue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (!seen.has(key)) out.push(issue);
    seen.add(key);
  };
  for (const { config } of cells) {
    // Two variants may make one cell for some models only ("auto" is "in-place" on forge gpt2).
    const same = variantIndices(matrix, config);
    if (same.length > 1) {
      push({
        path: `variants.${same[1]}`,
        message: `same cell as item ${same[0]} for ${config.model} (kvLayout "auto" is ${JSON.stringify(config.variant.kvLayout ?? 'concat')} there); list it once`,
      });
    }
    for (const issue of cellIssues(config)) {
      push({ path: matrixPath(matrix, config, issue.path), message: issue.message });
    }
  }
  return out;
}

/** Throws InvalidMatrixError (the api's 400) when a cell of the matrix cannot run. */
export function assertCellsRun(matrix: Matrix, cells: readonly Pick<Cell, 'config'>[]): void {
  const issues = matrixCellIssues(matrix, cells);
  if (issues.length > 0) throw new InvalidMatrixError(issues);
}

function matrixPath(matrix: Matrix, config: CellConfig, cellPath: string): string {
  const [head = '', ...rest] = cellPath.split('.');
  if (head in OBJECT_AXES) {
    const { axis, entry } = OBJECT_AXES[head as keyof typeof OBJECT_AXES];
    const value = canonicalJson(config[head as keyof typeof OBJECT_AXES]);
    const index = (entry(matrix, config) as unknown[]).findIndex((e) => canonicalJson(e) === value);
    return [axis, ...(index < 0 ? [] : [index]), ...rest].join('.');
  }
  return VALUE_AXES[head as keyof CellConfig] ?? cellPath;
}

/** The matrix variants that make this cell's variant. */
function variantIndices(matrix: Matrix, config: CellConfig): number[] {
  const value = canonicalJson(config.variant);
  return OBJECT_AXES.variant.entry(matrix, config).flatMap((v, i) => (canonicalJson(v) === value ? [i] : []));
}
