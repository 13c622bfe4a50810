import { answer } from '@inferlab/client';
import { tableToText } from '@inferlab/report';
import type { Command } from '../command.ts';
import { print, printJson } from '../output.ts';

export const workersCommand: Command = {
  name: 'workers',
  summary: 'the registered workers: host, device, execution provider, threads, current cell, last heartbeat',
  usage: 'workers',
  positionals: [],
  options: {},
  run: async ({ client, out, json }) => {
    const { workers } = await answer(client.routes.v1.workers.$get());
    if (json) printJson(out.stdout, { workers });
    else if (workers.length === 0) print(out.stdout, 'no worker has registered yet: start one with `npm run worker`');
    else
      print(
        out.stdout,
        tableToText({
          columns: ['id', 'status', 'host', 'device', 'provider', 'threads', 'current cell', 'last heartbeat'],
          rows: workers.map((w) => [
            w.id,
            w.status,
            w.host,
            w.deviceClass,
            w.executionProvider,
            String(w.threads),
            w.currentCellId ?? '–',
            `${Math.round(w.lastHeartbeatAgeMs / 1000)} s ago`,
          ]),
        }),
      );
    return 0;
  },
};
