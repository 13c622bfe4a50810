import type { CellRule } from './cell-issue.ts';
import { ENGINE_LIMITS, enginesWhere } from './engine-limits.ts';

/** The cell's engine can run its strategy, batch size, KV cache and scenario (engine-limits.ts). */
export const engineRule: CellRule = (cell) => {
  const engine = cell.engine ?? 'inferlab';
  const limits = ENGINE_LIMITS[engine];
  const drop = `drop "${engine}" from engines`;
  const out = [];
  const strategy = cell.decoding.strategy;
  if (!limits.strategies.includes(strategy)) {
    out.push({
      path: 'decoding.strategy',
      message: `the ${engine} engine runs ${limits.strategies.join(', ')} only, not ${strategy}; ${drop} or submit ${strategy} in another experiment`,
    });
  }
  if (cell.batchSize > limits.maxBatchSize) {
    out.push({
      path: 'batchSize',
      message: `the ${engine} engine runs batch sizes up to ${limits.maxBatchSize}, not ${cell.batchSize}; ${drop} or use batchSizes [1]`,
    });
  }
  if (!limits.dtypes.includes(cell.variant.dtype)) {
    out.push({
      path: 'variant.dtype',
      message: `the ${engine} engine has no file for dtype ${cell.variant.dtype}, only ${limits.dtypes.join(', ')}; ${drop} or use one of those`,
    });
  }
  if (!cell.variant.cache && !limits.runsWithoutCache) {
    out.push({ path: 'variant.cache', message: `the ${engine} engine always decodes with its KV cache; use cache: true or ${drop}` });
  }
  const kv = cell.variant.kvCacheDtype ?? 'fp32';
  if (!limits.kvCacheDtypes.includes(kv)) {
    const on = enginesWhere((l) => l.kvCacheDtypes.includes(kv)).join(' or ');
    out.push({
      path: 'variant.kvCacheDtype',
      message: `kvCacheDtype ${kv} runs on the ${on} engine only; ${drop} or use kvCacheDtype "fp32"`,
    });
  }
  const scenario = cell.scenario?.kind ?? 'single-stream';
  if (!limits.scenarios.includes(scenario)) {
    const on = enginesWhere((l) => l.scenarios.includes(scenario)).join(' or ');
    out.push({ path: 'scenario.kind', message: `the ${scenario} scenario runs on the ${on} engine only; ${drop} or use another scenario` });
  }
  return out;
};
