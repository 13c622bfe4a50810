import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ApiError, answer, idParam } from '@inferlab/client';
import { assembleReportInput, renderReportHtml, renderReportMarkdown } from '@inferlab/report';
import type { Command } from '../command.ts';
import { CliFailure, UsageError } from '../errors.ts';
import { print, printJson } from '../output.ts';

export const reportCommand: Command = {
  name: 'report',
  summary: "an experiment's self-contained HTML report (inline SVG charts) or its markdown",
  usage: 'report <experiment id> [--out FILE] [--format html|markdown]',
  positionals: ['<experiment id>'],
  options: {
    out: { type: 'string', short: 'o', description: 'write the report here (default: stdout)', placeholder: 'FILE' },
    format: {
      type: 'string',
      short: 'f',
      description: 'html or markdown (default: markdown for a .md FILE, else html)',
      placeholder: 'FORMAT',
    },
  },
  details:
    "Built here from the api's JSON (experiment, results, each cell's token timings) by the same code as GET /v1/experiments/:id/report.",
  run: async ({ client, out, json }, { values, positionals }) => {
    const file = values.out as string | undefined;
    const format =
      (values.format as string | undefined) ?? (file && ['.md', '.markdown'].includes(extname(file).toLowerCase()) ? 'markdown' : 'html');
    if (format !== 'html' && format !== 'markdown')
      throw new UsageError(`--format must be html or markdown, got ${JSON.stringify(format)}`);
    const id = positionals[0] as string;
    const input = await assembleReportInput(
      {
        experiment: (x) => answer(client.routes.v1.experiments[':id'].$get(idParam(x))),
        results: (x) => answer(client.routes.v1.experiments[':id'].results.$get(idParam(x))),
        tokens: (cellId) =>
          answer(client.routes.v1.cells[':id'].tokens.$get(idParam(cellId))).then(
            (t) => t.requests,
            (err) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)),
          ),
      },
      id,
      new Date().toISOString(),
    );
    if (input === null) throw new CliFailure(`no experiment ${id}`);
    const text = format === 'html' ? renderReportHtml(input) : renderReportMarkdown(input);
    if (file === undefined) {
      out.stdout.write(text);
      return 0;
    }
    await writeFile(file, text);
    if (json) printJson(out.stdout, { id, format, out: file, bytes: Buffer.byteLength(text) });
    else print(out.stdout, `wrote ${file} (${format}, ${Math.round(Buffer.byteLength(text) / 1024)} KiB)`);
    return 0;
  },
};
