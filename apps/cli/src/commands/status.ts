import { answer, idParam } from '@inferlab/client';
import { cellLabels, tableToText } from '@inferlab/report';
import type { Command } from '../command.ts';
import { print, printJson } from '../output.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: "an experiment's state, progress and cells (with each failed cell's reason)",
  usage: 'status <experiment id>',
  positionals: ['<experiment id>'],
  options: {},
  run: async ({ client, out, json }, { positionals }) => {
    const e = await answer(client.routes.v1.experiments[':id'].$get(idParam(positionals[0] as string)));
    if (json) {
      printJson(out.stdout, e);
      return 0;
    }
    const labels = cellLabels(e.cells.map((c) => c.config));
    const p = e.progress;
    print(
      out.stdout,
      [
        `${e.name || '(unnamed)'}  ${e.id}`,
        `status ${e.status}: ${p.done} done, ${p.failed} failed, ${p.running} running, ${p.queued} queued, ${p.cancelled} cancelled of ${p.total}`,
        '',
        tableToText({
          columns: ['#', 'cell', 'id', 'status', 'attempt', 'error'],
          rows: e.cells.map((c, i) => [String(c.index + 1), labels[i] ?? '', c.id, c.status, String(c.attempt), c.error ?? '']),
        }),
      ].join('\n'),
    );
    return 0;
  },
};
