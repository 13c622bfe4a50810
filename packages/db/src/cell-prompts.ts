import type { CellConfig } from '@inferlab/experiments';
import { sql } from 'drizzle-orm';
import { experimentsTable, type StoredCellConfig } from './schema.ts';

/** The experiment's prompts, for a query that joins `experiments` (a cell's own are not stored). */
export const experimentPromptsSql = sql<string[]>`json_extract(${experimentsTable.matrix}, '$.prompts')`.mapWith((v: string) =>
  JSON.parse(v),
);

/** A cell's whole config, as hashed into its id: the stored one with its experiment's prompts. */
export function cellWithPrompts(config: StoredCellConfig, prompts: readonly string[]): CellConfig {
  return { ...config, prompts: config.prompts ?? [...prompts] };
}

/** The config as stored: the prompts left to the experiment. */
export function storedCellConfig({ prompts: _prompts, ...rest }: CellConfig): StoredCellConfig {
  return rest;
}
