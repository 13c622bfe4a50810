import type { CellConfig, KvLayout } from '../cell-config.ts';
import { EXIT_HEAD_STRATEGIES } from '../decoding-schema.ts';
import { FORGE_MODEL_FAMILIES, type ForgeModelName } from '../forge-model-names.ts';
import { parseModelId } from '../model-id.ts';
import type { CellIssue, CellRule } from './cell-issue.ts';

// The in-place KV cache is a graph built beside a model folder (core/src/forge/kv-in-place-files.ts):
// rebuilt from the weights where our builders wrote the graph (forge, trained:, an imported
// checkpoint's dir:; GPT-2 and Llama; the int8 cache on forge GPT-2), else the folder's own graph
// rewritten (a hub export: hf:, or a dir: of one). Our engine feeds its past from its own buffers:
// our engine, the KV cache, and the model's own graph (exit-head strategies decode through layer segments).

type LayoutCell = Pick<CellConfig, 'model' | 'variant' | 'decoding' | 'engine'>;

/** Why `cell` cannot keep its cache in place; none when it can. */
export function inPlaceBlockers(cell: LayoutCell): string[] {
  const out: string[] = [];
  const engine = cell.engine ?? 'inferlab';
  if (engine !== 'inferlab') out.push(`kvLayout in-place runs on the inferlab engine (${engine} keeps its own cache)`);
  if (!cell.variant.cache) out.push('kvLayout in-place needs the KV cache (cache: true)');
  if (EXIT_HEAD_STRATEGIES.includes(cell.decoding.strategy)) {
    out.push(`kvLayout in-place does not run ${cell.decoding.strategy} (layer segments keep their own cache)`);
  }
  const parsed = parseModelId(cell.model);
  const forgeFamily = parsed?.kind === 'forge' ? FORGE_MODEL_FAMILIES[parsed.name as ForgeModelName] : undefined;
  if (parsed === null || (parsed.kind === 'forge' && forgeFamily === undefined)) {
    out.push(`kvLayout in-place needs a decoder model (forge, trained:, hf: or dir:), and models has ${cell.model}`);
  } else if (cell.variant.kvCacheDtype === 'int8' && forgeFamily !== 'gpt2') {
    out.push(`kvLayout in-place with kvCacheDtype "int8" needs a forge gpt2-* model, and models has ${cell.model}`);
  }
  return out;
}

/**
 * The layout a cell runs with when its matrix variant says "auto" (or nothing): in-place wherever it
 * runs on the CPU with a graph our builders wrote (forge and trained: models), else concat — written
 * as absent, the meaning of every cell stored before the axis. (On CUDA the buffers live in host
 * memory, so in-place is asked for explicitly there.)
 */
export function autoKvLayout(cell: LayoutCell & Pick<CellConfig, 'device'>): KvLayout | undefined {
  // A hub export (hf:, or a dir: that may hold one) is rewritten, which refuses graphs that read
  // their cache in ways it does not split — known only once the worker has the graph: in place when asked for.
  const kind = parseModelId(cell.model)?.kind;
  return cell.device === 'cpu' && kind !== 'dir' && kind !== 'hf' && inPlaceBlockers(cell).length === 0 ? 'in-place' : undefined;
}

export const kvLayoutRule: CellRule = (cell) => {
  if (cell.variant.kvLayout !== 'in-place') return [];
  return inPlaceBlockers(cell).map(
    (reason): CellIssue => ({ path: 'variant.kvLayout', message: `${reason}; use kvLayout "auto" or "concat"` }),
  );
};
