import type { CellConfig } from '../cell-config.ts';
import { batchingRule } from './batching-rule.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';
import { engineRule } from './engine-rule.ts';
import { exitHeadRule } from './exit-head-rule.ts';
import { kvInt8Rule } from './kv-int8-rule.ts';
import { scenarioRule } from './scenario-rule.ts';

const RULES: readonly CellRule[] = [batchingRule, kvInt8Rule, exitHeadRule, scenarioRule, engineRule];

/**
 * The rules of what runs together, engine limits included: every reason this cell cannot run,
 * none when it can. The api answers them at submit (assertCellsRun) and the worker refuses a cell
 * with any before loading a model; nothing else checks them.
 */
export function cellIssues(cell: CellConfig): CellIssue[] {
  return RULES.flatMap((rule) => rule(cell));
}
