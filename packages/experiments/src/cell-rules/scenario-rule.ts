import { BATCHABLE_STRATEGIES } from '../decoding-schema.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';

// server: requests arrive one by one and run alone (maxConcurrency interleaves them), batch size 1.
// offline: every request at once through continuous batching, which chooses one row of logits per
// sequence (greedy, sample) on the KV cache. Which engines run them: engine-rule.ts.
export const scenarioRule: CellRule = (cell) => {
  const kind = cell.scenario?.kind ?? 'single-stream';
  const out: CellIssue[] = [];
  const issue = (message: string) => out.push({ path: 'scenario.kind', message });
  if (kind === 'server' && cell.batchSize !== 1) {
    issue(
      `the server scenario runs batch size 1 (maxConcurrency sets how many requests run at once), not ${cell.batchSize}; use batchSizes [1]`,
    );
  }
  if (kind === 'offline') {
    const { strategy } = cell.decoding;
    if (!BATCHABLE_STRATEGIES.includes(strategy)) {
      issue(
        `the offline scenario batches requests, which runs greedy or sample only, not ${strategy}; submit ${strategy} with another scenario`,
      );
    }
    if (!cell.variant.cache) {
      issue('the offline scenario batches requests, which needs the KV cache; drop variants with cache: false or use another scenario');
    }
  }
  return out;
};
