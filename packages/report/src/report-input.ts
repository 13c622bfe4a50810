import type { ExperimentResults, ExperimentView, RequestTokens } from '@inferlab/db';

/**
 * What a report is made of: the api's own answers (`GET /v1/experiments/:id`, `…/results` and each
 * cell's `GET /v1/cells/:id/tokens`), so the api (from SQLite) and the CLI (over HTTP) build the
 * same report from the same shapes.
 */
export type ReportInput = {
  experiment: ExperimentView;
  results: ExperimentResults;
  /** Raw token timelines by cell id; cells without results may be missing. */
  tokens: Readonly<Record<string, readonly RequestTokens[]>>;
  /** ISO time the report was made (passed in, so the same input renders the same bytes). */
  generatedAt: string;
};
