import { answer, idParam } from '@inferlab/client';
import {
  escapeMarkdown,
  INSUFFICIENT_NOTE,
  percentileTable,
  resultsCsvTable,
  seedTable,
  tableToCsv,
  tableToMarkdown,
  tableToText,
} from '@inferlab/report';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { print, printJson } from '../output.ts';

const FORMATS = ['table', 'markdown', 'csv', 'json'] as const;

export const resultsCommand: Command = {
  name: 'results',
  summary: "an experiment's results: the seed table and TTFT/TPOT/E2EL/ITL percentiles with 95% CIs",
  usage: 'results <experiment id> [--format table|markdown|csv|json]',
  positionals: ['<experiment id>'],
  options: {
    format: { type: 'string', short: 'f', description: 'table (default), markdown, csv (raw numbers) or json', placeholder: 'FORMAT' },
  },
  run: async ({ client, out, json }, { values, positionals }) => {
    const format = json ? 'json' : ((values.format as string | undefined) ?? 'table');
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    const results = await answer(client.routes.v1.experiments[':id'].results.$get(idParam(positionals[0] as string)));
    switch (format) {
      case 'json':
        printJson(out.stdout, results);
        break;
      case 'csv':
        print(out.stdout, tableToCsv(resultsCsvTable(results)));
        break;
      case 'markdown':
        print(
          out.stdout,
          [
            `## ${escapeMarkdown(results.experiment.name || results.experiment.id)}`,
            '',
            '### Seed table',
            '',
            tableToMarkdown(seedTable(results)),
            '',
            '### Percentiles, ms: value [95% CI]',
            '',
            tableToMarkdown(percentileTable(results)),
            '',
            INSUFFICIENT_NOTE,
          ].join('\n'),
        );
        break;
      default:
        print(
          out.stdout,
          [
            `${results.experiment.name || results.experiment.id} (${results.experiment.status})`,
            '',
            tableToText(seedTable(results)),
            '',
            'percentiles, ms: value [95% CI]',
            tableToText(percentileTable(results)),
            '',
            INSUFFICIENT_NOTE,
          ].join('\n'),
        );
    }
    return results.cells.some((c) => c.status === 'failed') ? 1 : 0;
  },
};
