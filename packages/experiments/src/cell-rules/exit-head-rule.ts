import { EXIT_HEAD_STRATEGIES } from '../decoding-schema.ts';
import { mayBeInferlabGpt2 } from '../model-id.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';

// early-exit and self-speculative run layer segments cut from the fp32 graph of an inferlab-built
// GPT-2 (forge gpt2-*, a trained: model, or a dir: folder imported from a checkpoint), with the KV
// cache. Batch 1 is batching-rule.ts', our engine engine-rule.ts'. The exit layers' range needs the
// model's depth: the runner checks it once the model is loaded.
export const exitHeadRule: CellRule = (cell) => {
  const { strategy } = cell.decoding;
  if (!EXIT_HEAD_STRATEGIES.includes(strategy)) return [];
  const out: CellIssue[] = [];
  const issue = (message: string) => out.push({ path: 'decoding.strategy', message });
  if (!cell.variant.cache) {
    issue(`${strategy} needs the KV cache; drop variants with cache: false or submit ${strategy} in another experiment`);
  }
  if (cell.variant.dtype !== 'fp32') {
    issue(
      `${strategy} runs on the fp32 variant (layer segments are cut from the fp32 graph), not ${cell.variant.dtype}; submit other variants without ${strategy}`,
    );
  }
  if (!mayBeInferlabGpt2(cell.model)) {
    issue(
      `${strategy} needs an inferlab-built GPT-2 graph (forge gpt2-*, a trained: GPT-2 or a dir: folder imported from a GPT-2 checkpoint), ` +
        `and models has ${cell.model}; submit those without ${strategy}`,
    );
  }
  return out;
};
