import type { ExperimentResults, ExperimentView, RequestTokens } from '@inferlab/db';
import type { ReportInput } from './report-input.ts';

/** Where a report's data comes from: SQLite in the api, HTTP in the CLI, the same three questions. */
export type ReportSource = {
  experiment: (id: string) => Promise<ExperimentView | null> | ExperimentView | null;
  results: (id: string) => Promise<ExperimentResults | null> | ExperimentResults | null;
  tokens: (cellId: string) => Promise<readonly RequestTokens[] | null> | readonly RequestTokens[] | null;
};

/** The report's input for one experiment (token timelines of the cells that have results); null when unknown. */
export async function assembleReportInput(source: ReportSource, id: string, generatedAt: string): Promise<ReportInput | null> {
  const [experiment, results] = await Promise.all([source.experiment(id), source.results(id)]);
  if (experiment === null || results === null) return null;
  const tokens: Record<string, readonly RequestTokens[]> = {};
  for (const cell of results.cells) {
    if (cell.requests === 0) continue;
    const requests = await source.tokens(cell.cellId);
    if (requests !== null) tokens[cell.cellId] = requests;
  }
  return { experiment, results, tokens, generatedAt };
}
