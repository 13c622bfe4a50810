import type { ApiClient } from '../client.ts';
import { type Output, print, printJson } from '../output.ts';
import { lineView, ttyView } from './views.ts';
import { watchExperiment } from './watch-experiment.ts';

/**
 * Watches an experiment to its end (bars on a terminal, lines otherwise; with --json the progress
 * goes to stderr and the final experiment to stdout) and returns the exit status: 1 when a cell
 * failed or was cancelled.
 */
export async function watchAndReport(client: ApiClient, id: string, out: Output, json: boolean): Promise<number> {
  const stream = json ? out.stderr : out.stdout;
  const view = stream.isTTY ? ttyView(stream) : lineView(stream);
  let last: Parameters<typeof view.update>[0] | null = null;
  const experiment = await watchExperiment(client, id, (state) => {
    last = state;
    view.update(state);
  });
  if (last) view.finish({ ...(last as Parameters<typeof view.update>[0]), experiment });
  const p = experiment.progress;
  if (json) printJson(out.stdout, experiment);
  else {
    print(out.stdout, `experiment ${id} ${experiment.status}: ${p.done} done, ${p.failed} failed, ${p.cancelled} cancelled of ${p.total}`);
    if (p.done > 0) print(out.stdout, `results: inferlab results ${id}    report: inferlab report ${id} --out report.html`);
  }
  return p.failed > 0 || p.cancelled > 0 ? 1 : 0;
}
