import { answer } from '@inferlab/client';
import { num, tableToText } from '@inferlab/report';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { print, printJson } from '../output.ts';

const METRICS = ['ttft', 'tpot', 'e2el', 'tokensPerS'] as const;
type Point = { median: number; ci: { lo: number; hi: number } | null } | null;
const point = (p: Point) => (p === null ? '–' : p.ci ? `${num(p.median)} [${num(p.ci.lo)}, ${num(p.ci.hi)}]` : num(p.median));

export const historyCommand: Command = {
  name: 'history',
  summary: 'runs of one configuration over time per hardware, and the latest regressions',
  usage: 'history [--key KEY] [--limit N]',
  positionals: [],
  options: {
    key: { type: 'string', short: 'k', description: 'one configuration key (16 hex digits, from the list): its runs', placeholder: 'KEY' },
    limit: { type: 'string', short: 'n', description: 'how many keys and regressions (1–500, default 20)', placeholder: 'N' },
  },
  details:
    'Without --key: the configuration keys with the most runs, then the latest regressions (a run significantly slower\nthan the previous run of its key on the same hardware, beyond the A/A noise floor).',
  run: async ({ client, out, json }, { values }) => {
    const limit = values.limit as string | undefined;
    if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError(`--limit must be a whole number, got ${JSON.stringify(limit)}`);
    const key = values.key as string | undefined;
    const body = await answer(client.routes.v1.history.$get({ query: { ...(key ? { key } : {}), ...(limit ? { limit } : {}) } }));
    if (json) {
      printJson(out.stdout, body);
      return 0;
    }
    if ('series' in body) {
      const blocks = body.series.map((s) =>
        [
          `${s.hardware.host} · ${s.hardware.cpuModel}${s.hardware.gpu ? ` · ${s.hardware.gpu}` : ''}`,
          tableToText({
            columns: ['finished', 'experiment', 'commit', ...METRICS.map((m) => `${m} median [95% CI]`), 'regression'],
            rows: s.runs.map((r) => [
              r.finishedAt,
              r.experimentName,
              r.gitCommit?.slice(0, 8) ?? '–',
              ...METRICS.map((m) => point(r.metrics[m])),
              r.regression ? r.regression.slower.map((x) => `${x.metric} ×${num(x.ratio)}`).join(', ') : '',
            ]),
          }),
        ].join('\n'),
      );
      print(out.stdout, [`history of ${body.key}`, ...blocks].join('\n\n'));
      return 0;
    }
    const keys = tableToText({
      columns: ['key', 'model', 'dtype', 'cache', 'strategy', 'runs', 'hardware', 'last run'],
      rows: body.keys.map((k) => [
        k.key,
        k.model,
        k.config.variant.dtype,
        String(k.config.variant.cache),
        k.config.decoding.strategy,
        String(k.runs),
        String(k.hardware.length),
        k.lastRunAt,
      ]),
    });
    const regressions =
      body.regressions.length === 0
        ? 'no regressions'
        : tableToText({
            columns: ['finished', 'key', 'experiment', 'slower than the previous run'],
            rows: body.regressions.map((r) => [
              r.finishedAt,
              r.key,
              r.experimentName,
              (r.regression?.slower ?? []).map((x) => `${x.metric} ×${num(x.ratio)} [${num(x.ci.lo)}, ${num(x.ci.hi)}]`).join(', '),
            ]),
          });
    print(out.stdout, [keys, '', 'latest regressions', regressions].join('\n'));
    return 0;
  },
};
