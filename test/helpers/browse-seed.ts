// A database for the browsing views (History, outputs, the experiments list), written with
// packages/db's own writers before the api starts: the same rows a worker's results would leave,
// without minutes of inference on a loaded machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cancelExperiment,
  createExperiment,
  type DbHandle,
  markCellRunning,
  openDb,
  recordCellFailure,
  recordCellResult,
} from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { syntheticCellResult } from './synthetic-result.ts';

/** Model text that is markup: the outputs view must show these characters, never elements. */
export const HOSTILE_TEXT = '<script>window.__pwned=1</script><b>bold</b> & "quotes"';

export type BrowseSeed = {
  historyCells: { host: string; cellId: string; experimentId: string }[];
  /** The run of host-a that is slower than the one before it. */
  slowCellId: string;
  outputsExperimentId: string;
  outputsCells: { fp32: string; int8: string };
  /** Every experiment, and how many of the bulk ones name forge:gpt2-small. */
  experimentCount: number;
  smallModelCount: number;
};

const iso = (minute: number) => new Date(Date.UTC(2026, 11, 1, 0, minute)).toISOString();

/** 12 requests whose every gap is `gap` ms, give or take up to 24% per request (a CI band wide enough to see). */
function timeline(gap: number) {
  return Array.from({ length: 12 }, (_, i) => ({
    repetition: Math.floor(i / 2),
    promptIndex: i % 2,
    startedAt: i * 1000,
    events: Array.from({ length: 5 }, (_, k) => ({ t: (k + 1) * gap * (1 + ((i * 7) % 5) * 0.06), n: 1 })),
  }));
}

export function seedBrowse({ db, sqlite }: Pick<DbHandle, 'db' | 'sqlite'>): BrowseSeed {
  let minute = 0;
  const finish = (cellId: string, at: string) => sqlite.prepare('update cells set finished_at = ? where id = ?').run(at, cellId);

  // History: one configuration, four runs on host-a (the last 60% slower), two on a slower host-b.
  const historyMatrix = parseMatrix({
    name: 'nightly',
    models: ['forge:gpt2-tiny'],
    prompts: ['a', 'b'],
    maxNewTokens: [5],
    repetitions: 6,
    warmup: 0,
  });
  const historyCells: BrowseSeed['historyCells'] = [];
  for (const [host, gap] of [
    ['host-a', 10],
    ['host-b', 13],
    ['host-a', 10],
    ['host-a', 10],
    ['host-b', 13],
    ['host-a', 16],
  ] as const) {
    const experimentId = `nightly-${historyCells.length}`;
    const [cell] = expandMatrix(experimentId, historyMatrix);
    if (!cell) throw new Error('the history matrix expands to no cell');
    createExperiment(db, {
      id: experimentId,
      name: `nightly ${historyCells.length + 1}`,
      matrix: historyMatrix,
      cells: [cell],
      createdAt: iso(minute++),
    });
    markCellRunning(db, { cellId: cell.id, attempt: 1, workerId: `worker-${host}`, at: iso(minute) });
    const r = syntheticCellResult({ cellId: cell.id, experimentId, config: cell.config, requests: timeline(gap) });
    recordCellResult(db, {
      ...r,
      workerId: `worker-${host}`,
      environment: { ...r.environment, host, gitCommit: `c0ffee${historyCells.length}` },
    });
    finish(cell.id, iso(minute + 1));
    historyCells.push({ host, cellId: cell.id, experimentId });
  }

  // Outputs: fp32 and int8 of one model; int8 first differs at token 2 of prompt 1; fp32's text is markup.
  const outputsMatrix = parseMatrix({
    name: 'outputs: fp32 vs int8',
    models: ['forge:gpt2-tiny'],
    variants: [
      { dtype: 'fp32', cache: true },
      { dtype: 'int8', cache: true },
    ],
    prompts: ['<b>not bold</b> prompt', 'second prompt'],
    maxNewTokens: [4],
    repetitions: 2,
    warmup: 0,
  });
  const outputsExperimentId = 'outputs-1';
  const outputCells = expandMatrix(outputsExperimentId, outputsMatrix);
  createExperiment(db, {
    id: outputsExperimentId,
    name: outputsMatrix.name,
    matrix: outputsMatrix,
    cells: outputCells,
    createdAt: iso(minute++),
  });
  const ids: Record<string, string> = {};
  for (const cell of outputCells) {
    const dtype = cell.config.variant.dtype;
    ids[dtype] = cell.id;
    const r = syntheticCellResult({ cellId: cell.id, experimentId: outputsExperimentId, config: cell.config });
    const requests = r.requests.map((q) => {
      const tokenIds = q.outputTokenIds.map((_, k) => (dtype === 'int8' && q.promptIndex === 0 && k === 2 ? 999 : 10 + k));
      const text = q.promptIndex === 0 ? (dtype === 'int8' ? `${HOSTILE_TEXT} (int8)` : HOSTILE_TEXT) : `plain answer ${q.repetition}`;
      return { ...q, outputTokenIds: tokenIds, text };
    });
    markCellRunning(db, { cellId: cell.id, attempt: 1, workerId: 'worker-test', at: iso(minute) });
    recordCellResult(db, { ...r, requests });
  }

  // The list: enough experiments for two pages, two models, a failed one and a cancelled one.
  let smallModelCount = 0;
  for (let i = 0; i < 52; i++) {
    const model = i % 3 === 0 ? 'forge:gpt2-small' : 'forge:gpt2-tiny';
    if (model === 'forge:gpt2-small') smallModelCount++;
    const matrix = parseMatrix({ name: `bulk ${String(i).padStart(2, '0')}`, models: [model], prompts: [`bulk prompt ${i}`] });
    createExperiment(db, {
      id: `bulk-${i}`,
      name: matrix.name ?? '',
      matrix,
      cells: expandMatrix(`bulk-${i}`, matrix),
      createdAt: iso(minute++),
    });
  }
  const needle = parseMatrix({ name: 'needle search', models: ['forge:gpt2-tiny'], prompts: ['a needle in the haystack'] });
  const [needleCell] = expandMatrix('needle', needle);
  if (!needleCell) throw new Error('the needle matrix expands to no cell');
  createExperiment(db, { id: 'needle', name: 'needle search', matrix: needle, cells: [needleCell], createdAt: iso(minute++) });
  recordCellFailure(db, { cellId: needleCell.id, attempt: 1, reason: 'seeded failure', final: true });
  const gone = parseMatrix({ name: 'cancelled one', models: ['forge:gpt2-tiny'], prompts: ['never run'] });
  createExperiment(db, {
    id: 'cancelled',
    name: 'cancelled one',
    matrix: gone,
    cells: expandMatrix('cancelled', gone),
    createdAt: iso(minute++),
  });
  cancelExperiment(db, 'cancelled');

  return {
    historyCells,
    slowCellId: historyCells.at(-1)?.cellId ?? '',
    outputsExperimentId,
    outputsCells: { fp32: ids['fp32'] ?? '', int8: ids['int8'] ?? '' },
    experimentCount: historyCells.length + 1 + 52 + 2,
    smallModelCount,
  };
}

/**
 * The platform (api + recorder + redis, no worker) over a fresh data dir whose database holds
 * seedBrowse's rows, written before the api starts. `stop` stops it and removes the dir.
 */
export async function startBrowsePlatform(prefix: string): Promise<{ platform: Platform; seed: BrowseSeed; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const handle = openDb(join(dataDir, 'inferlab.sqlite'));
  let seed: BrowseSeed;
  try {
    seed = seedBrowse(handle);
  } finally {
    handle.close();
  }
  const platform = await startPlatform({ dataDir, workers: 0 }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    platform,
    seed,
    stop: async () => {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
