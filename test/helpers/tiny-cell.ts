// runCell on forge:gpt2-tiny for tests that measure without the platform: one model pool and the
// shared forge cache per test file, and the cell spec every such test starts from.
import { ModelPool } from '@inferlab/core';
import type { CellRun } from '@inferlab/experiments';
import { type CellSpec, type RunCellContext, runCell } from '@inferlab/runner';
import { afterAll, beforeAll } from 'vitest';
import { sharedModelsDir } from './models.ts';

export const TINY_CELL: CellSpec = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Explain briefly why KV caching and quantization help LLM inference.'], // 13 tokens
  maxNewTokens: 16,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 1,
  warmup: 1,
};

type Extra = Omit<RunCellContext, 'modelsDir' | 'modelRoots' | 'pool'>;

/** `run(spec)` runs TINY_CELL with `spec` laid over it. */
export function useTinyCells(): { run: (spec: Partial<CellSpec>, extra?: Extra) => Promise<CellRun> } {
  let modelsDir = '';
  const pool = new ModelPool(2);
  beforeAll(async () => {
    modelsDir = await sharedModelsDir(['gpt2-tiny']);
  }, 300_000);
  afterAll(() => pool.clear());
  return { run: (spec, extra = {}) => runCell({ ...TINY_CELL, ...spec }, { modelsDir, modelRoots: [modelsDir], pool, ...extra }) };
}
