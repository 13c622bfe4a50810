import { answer, idParam } from '@inferlab/client';
import type { Command } from '../command.ts';
import { print, printJson } from '../output.ts';

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel an experiment: queued cells leave their queues, running cells stop before their next request',
  usage: 'cancel <experiment id>',
  positionals: ['<experiment id>'],
  options: {},
  details: 'Finished cells keep their results. An api with tokens needs a write token (--token or INFERLAB_TOKEN).',
  run: async ({ client, out, json }, { positionals }) => {
    const r = await answer(client.routes.v1.experiments[':id'].cancel.$post(idParam(positionals[0] as string)));
    if (json) printJson(out.stdout, r);
    else
      print(
        out.stdout,
        `cancelled ${r.cancelled} cells of ${r.id} (${r.queued} queued, ${r.running} running; ${r.removedJobs} jobs removed from the queues)`,
      );
    return 0;
  },
};
