import { answer } from '@inferlab/client';
import { COMPARED_METRICS } from '@inferlab/experiments';
import { num, tableToText } from '@inferlab/report';
import type { Command } from '../command.ts';
import { print, printJson } from '../output.ts';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'cell b against cell a (any two finished cells): ratio of medians [95% CI], Mann-Whitney p, verdict',
  usage: 'compare <cell a> <cell b>',
  positionals: ['<cell a>', '<cell b>'],
  options: {},
  run: async ({ client, out, json }, { positionals }) => {
    const c = await answer(client.routes.v1.compare.$get({ query: { a: positionals[0] as string, b: positionals[1] as string } }));
    if (json) {
      printJson(out.stdout, c);
      return 0;
    }
    const side = (s: typeof c.a) =>
      `${s.cellId}  ${s.config.model} ${s.config.variant.dtype}${s.config.variant.cache ? ' cache' : ' no-cache'} ${s.config.decoding.strategy}`;
    const rows = COMPARED_METRICS.map((m) => {
      const x = c.metrics[m];
      if (x === null) return [m, '–', '–', '–', '–', 'no values in one of the cells'];
      return [m, num(x.a), num(x.b), `${num(x.ratio)} [${num(x.ci.lo)}, ${num(x.ci.hi)}]`, num(x.pValue), x.verdict];
    });
    const lines = [
      `a: ${side(c.a)}`,
      `b: ${side(c.b)}`,
      '',
      tableToText({ columns: ['metric', 'a (median)', 'b (median)', 'b/a [95% CI]', 'p', 'verdict'], rows }),
    ];
    if (c.aa) lines.push('', `A/A pair (same config${c.aa.sameWorker ? ', same host' : ''}): this is the noise floor of the worker(s).`);
    print(out.stdout, lines.join('\n'));
    return 0;
  },
};
