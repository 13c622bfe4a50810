import type { CellConfig } from '../cell-config.ts';
import { PermanentError } from '../retry-policy.ts';
import { batchingRule } from './batching-rule.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';
import { engineRule } from './engine-rule.ts';
import { exitHeadRule } from './exit-head-rule.ts';
import { kvInt8Rule } from './kv-int8-rule.ts';
import { kvLayoutRule } from './kv-layout-rule.ts';
import { scenarioRule } from './scenario-rule.ts';

const RULES: readonly CellRule[] = [batchingRule, kvInt8Rule, kvLayoutRule, exitHeadRule, scenarioRule, engineRule];

/**
 * The rules of what runs together, engine limits included: every reason this cell cannot run,
 * none when it can. The api answers them at submit (assertCellsRun) and the worker refuses a cell
 * with any before loading a model; nothing else checks them.
 */
export function cellIssues(cell: CellConfig): CellIssue[] {
  return RULES.flatMap((rule) => rule(cell));
}

/** A cell with issues, refused by the worker before it loads a model; a retry cannot fix it. */
export class UnrunnableCellError extends PermanentError {
  override readonly name = 'UnrunnableCellError';
  constructor(readonly issues: CellIssue[]) {
    super(`the cell cannot run: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}
