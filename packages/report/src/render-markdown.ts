import { escapeMarkdown as esc } from './escape.ts';
import { INSUFFICIENT_NOTE } from './format.ts';
import type { ReportInput } from './report-input.ts';
import { environmentTable, promptsOf, summaryLines } from './report-sections.ts';
import { cellDetailTable, percentileTable, seedTable } from './result-tables.ts';
import type { Table } from './table.ts';

/** The report's tables as markdown (the charts live in the HTML report); user text is escaped, never markup. */
export function renderReportMarkdown(input: ReportInput): string {
  const name = input.experiment.name || input.experiment.id;
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(JSON.stringify(input.experiment.matrix)) + 1));
  return [
    `# ${esc(name)}`,
    '',
    ...summaryLines(input).map(([k, v]) => `- **${esc(k)}**: ${esc(v)}`),
    '',
    '## Seed table',
    '',
    tableToMarkdown(seedTable(input.results)),
    '',
    '## Percentiles, ms: value [95% CI]',
    '',
    tableToMarkdown(percentileTable(input.results)),
    '',
    esc(INSUFFICIENT_NOTE),
    '',
    '## Cells',
    '',
    tableToMarkdown(cellDetailTable(input.results)),
    '',
    '## Prompts',
    '',
    ...promptsOf(input).map((p, i) => `${i + 1}. ${esc(p)}`),
    '',
    '## Environment',
    '',
    tableToMarkdown(environmentTable(input)),
    '',
    '## Matrix',
    '',
    `${fence}json`,
    JSON.stringify(input.experiment.matrix, null, 2),
    fence,
    '',
  ].join('\n');
}

export function tableToMarkdown(table: Table): string {
  const row = (cells: readonly string[]) => `| ${cells.map((c) => esc(c) || ' ').join(' | ')} |`;
  return [row(table.columns), `|${table.columns.map(() => ' --- ').join('|')}|`, ...table.rows.map(row)].join('\n');
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
}
