import { BATCHABLE_STRATEGIES } from '../decoding-schema.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';

/** Batch sizes above 1 run one row of logits per sequence (greedy, sample), on the KV cache. */
export const batchingRule: CellRule = (cell) => {
  if (cell.batchSize <= 1) return [];
  const out: CellIssue[] = [];
  const strategy = cell.decoding.strategy;
  if (!BATCHABLE_STRATEGIES.includes(strategy)) {
    out.push({
      path: 'batchSize',
      message: `batch sizes above 1 run greedy or sample only, and the matrix also has ${strategy}; submit those with batchSizes [1] in another experiment`,
    });
  }
  if (!cell.variant.cache) {
    out.push({
      path: 'batchSize',
      message: 'batch sizes above 1 need the KV cache; drop variants with cache: false or use batchSizes [1]',
    });
  }
  return out;
};
