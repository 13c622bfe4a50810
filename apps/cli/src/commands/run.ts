import { answer, jsonText } from '@inferlab/client';
import type { Command } from '../command.ts';
import { readMatrixFile } from '../matrix-file.ts';
import { print, printJson } from '../output.ts';
import { watchAndReport } from '../watch/watch-and-report.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'submit a matrix file (YAML or JSON); with --watch, follow it to the end',
  usage: 'run <matrix.yaml|matrix.json> [--watch]',
  positionals: ['<matrix file>'],
  options: { watch: { type: 'boolean', short: 'w', description: 'show progress until every cell is done; exit 1 if a cell failed' } },
  details: [
    'The file holds the body of POST /v1/experiments (README "Submitting an experiment"). A matrix the',
    'api refuses prints its field-by-field messages (variants.0.dtype: …) and exits 1.',
    'On a terminal --watch draws progress bars (cells, and requests of the running cells); piped, it',
    'prints one plain line per change. With --json the final experiment is printed as JSON.',
  ].join('\n'),
  run: async ({ client, out, json }, { values, positionals }) => {
    const matrix = await readMatrixFile(positionals[0] as string);
    const submitted = await answer(client.routes.v1.experiments.$post({}, jsonText(JSON.stringify(matrix))));
    if (!values.watch) {
      if (json) printJson(out.stdout, submitted);
      else
        print(
          out.stdout,
          `submitted experiment ${submitted.id} (${submitted.cells.length} cells)\nwatch it: inferlab status ${submitted.id}`,
        );
      return 0;
    }
    if (!json) print(out.stdout, `submitted experiment ${submitted.id} (${submitted.cells.length} cells)`);
    return watchAndReport(client, submitted.id, out, json);
  },
};
