// The shapes the dashboard reads are declared once, in @inferlab/experiments (api-views); the api
// answers with what packages/db builds. This holds the two together: at compile time (db's return
// types fit the declared ones) and at run time (rows from a real SQLite file parse).
import {
  getCellOutputs,
  getExperimentOutputs,
  type HistoryKeySummary as DbKeySummary,
  type HistoryRun as DbHistoryRun,
  type HistorySeries as DbHistorySeries,
  historyOfKey,
  latestRegressions,
  listExperimentPage,
  listHistoryKeys,
  openDb,
} from '@inferlab/db';
import {
  type CellOutputs,
  cellOutputsSchema,
  type ExperimentListPage,
  experimentListPageSchema,
  experimentOutputsSchema,
  type HistoryKeySummary,
  type HistoryRun,
  type HistorySeries,
  historyOfKeySchema,
  historyOverviewSchema,
  type PromptOutputs,
} from '@inferlab/experiments';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { seedBrowse } from '../../../../test/helpers/browse-seed.ts';

describe('api shapes the dashboard reads', () => {
  it('db builds what @inferlab/experiments declares (types)', () => {
    expectTypeOf<DbHistoryRun>().toExtend<HistoryRun>();
    expectTypeOf<DbHistorySeries>().toExtend<HistorySeries>();
    expectTypeOf<DbKeySummary>().toExtend<HistoryKeySummary>();
    expectTypeOf<NonNullable<ReturnType<typeof getCellOutputs>>>().toExtend<CellOutputs>();
    expectTypeOf<NonNullable<ReturnType<typeof getExperimentOutputs>>>().toExtend<PromptOutputs[]>();
    expectTypeOf<ReturnType<typeof listExperimentPage>>().toExtend<ExperimentListPage>();
  });

  it('rows from a real database parse with the schemas', () => {
    const handle = openDb(':memory:');
    try {
      const seed = seedBrowse(handle);
      const overview = historyOverviewSchema.parse({ keys: listHistoryKeys(handle.db), regressions: latestRegressions(handle.db) });
      expect(overview.regressions.map((r) => r.cellId)).toEqual([seed.slowCellId]);
      const key = overview.keys[0]?.key ?? '';
      expect(historyOfKeySchema.parse({ key, series: historyOfKey(handle.db, key) }).series).toHaveLength(2);
      const prompts = getExperimentOutputs(handle.db, seed.outputsExperimentId);
      expect(experimentOutputsSchema.parse({ experimentId: seed.outputsExperimentId, prompts }).prompts).toHaveLength(2);
      expect(cellOutputsSchema.parse(getCellOutputs(handle.db, seed.outputsCells.int8)).outputs).toHaveLength(4);
      expect(experimentListPageSchema.parse(listExperimentPage(handle.db)).nextCursor).not.toBeNull();
    } finally {
      handle.close();
    }
  });
});
