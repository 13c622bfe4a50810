import { type CellConfig, canonicalJson, compareCells, type NoiseFloor, noiseFloor, RESULTS_BOOTSTRAP } from '@inferlab/experiments';
import { and, desc, eq } from 'drizzle-orm';
import { cellWithPrompts, experimentPromptsSql } from './cell-prompts.ts';
import { loadRequestTimelines } from './cell-tokens.ts';
import type { Db } from './open-db.ts';
import { cellsTable, experimentsTable, requestsTable } from './schema.ts';

export type WorkerNoisePair = { config: CellConfig; a: string; b: string; floor: NoiseFloor };
export type WorkerNoise = { workerId: string; pairs: WorkerNoisePair[] };

/**
 * A/A calibration of one worker: for every config it ran at least twice (the same cell submitted
 * again, in any experiment), its two latest runs compared as a and b. The minimum detectable
 * difference says how close to 1 a ratio measured on this worker can be and still mean something.
 */
export function workerNoise(db: Db, workerId: string): WorkerNoise {
  const cells = db
    .select({ id: cellsTable.id, stored: cellsTable.config, prompts: experimentPromptsSql })
    .from(cellsTable)
    .innerJoin(experimentsTable, eq(experimentsTable.id, cellsTable.experimentId))
    .where(and(eq(cellsTable.workerId, workerId), eq(cellsTable.status, 'done')))
    .orderBy(desc(cellsTable.finishedAt))
    .all()
    .map(({ id, stored, prompts }) => ({ id, config: cellWithPrompts(stored, prompts) }));
  const latestTwo = new Map<string, { config: CellConfig; ids: string[] }>();
  for (const cell of cells) {
    const key = canonicalJson(cell.config);
    const group = latestTwo.get(key) ?? { config: cell.config, ids: [] };
    if (group.ids.length < 2) group.ids.push(cell.id);
    latestTwo.set(key, group);
  }
  const pairs: WorkerNoisePair[] = [];
  for (const { config, ids } of latestTwo.values()) {
    const [b, a] = ids; // b is the newer run
    if (a === undefined || b === undefined) continue;
    const timelines = (id: string) => loadRequestTimelines(db, eq(requestsTable.cellId, id)).get(id) ?? [];
    const { metrics } = compareCells(timelines(a), timelines(b), RESULTS_BOOTSTRAP);
    const side = { config, host: workerId };
    const floor = noiseFloor(side, side, metrics);
    if (floor) pairs.push({ config, a, b, floor });
  }
  return { workerId, pairs };
}
