import type { ExperimentBody } from '@inferlab/client';
import { cellLabels } from '@inferlab/report';
import { progressBar } from './progress-bar.ts';
import type { WatchState } from './watch-experiment.ts';

type ExperimentCellView = ExperimentBody['cells'][number];

/** Shows a watch: a terminal redraws bars in place, a pipe gets one plain line per change. */
export type WatchView = { update: (state: WatchState) => void; finish: (state: WatchState) => void };

type Stream = NodeJS.WritableStream & { columns?: number };

const FINAL = new Set(['done', 'failed', 'cancelled']);
const FRAME_MS = 80;

/** Permanent lines for cells that reached a final state, then the bars, redrawn in place (ANSI cursor moves). */
export function ttyView(stream: Stream): WatchView {
  const logged = new Set<string>();
  let drawn = 0;
  let shown = '';
  let pending: WatchState | null = null;
  let timer: NodeJS.Timeout | null = null;
  const draw = (state: WatchState) => {
    const width = Math.max(40, (stream.columns || 120) - 1); // a pty without a size says 0
    const fit = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
    const labels = labelsOf(state.experiment.cells);
    const log = state.experiment.cells.filter((c) => FINAL.has(c.status) && !logged.has(c.id));
    for (const c of log) logged.add(c.id);
    const p = state.experiment.progress;
    const finished = p.done + p.failed + p.cancelled;
    const frame = [
      `cells    ${progressBar(finished, p.total)} ${finished}/${p.total}  done ${p.done} · failed ${p.failed} · running ${p.running} · queued ${p.queued}`,
      ...state.experiment.cells
        .filter((c) => c.status === 'running')
        .map((c) => {
          const r = state.requests.get(c.id);
          const bar = r ? `${progressBar(r.done, r.total, 16)} ${r.done}/${r.total} requests` : `${progressBar(0, 1, 16)} starting`;
          return `  ${bar}  ${labels.get(c.id)}`;
        }),
    ];
    const text = frame.map(fit).join('\n');
    if (log.length === 0 && text === shown) return;
    shown = text;
    const up = drawn > 0 ? `\x1b[${drawn}A` : '';
    stream.write(`\r${up}\x1b[0J${[...log.map((c) => fit(finalLine(c, labels))), ...frame.map(fit)].map((l) => `${l}\n`).join('')}`);
    drawn = frame.length;
  };
  return {
    update: (state) => {
      pending = state;
      if (drawn === 0) stream.write('\x1b[?25l'); // hide the cursor while bars move
      if (timer !== null) return;
      draw(state);
      timer = setTimeout(() => {
        timer = null;
        if (pending) draw(pending);
      }, FRAME_MS);
    },
    finish: (state) => {
      if (timer !== null) clearTimeout(timer);
      draw(state);
      stream.write('\x1b[?25h');
    },
  };
}

/** One line per change, no escape codes: cell states, request counts (at most every 2 s per cell), totals. */
export function lineView(stream: Stream): WatchView {
  const seen = new Map<string, string>();
  const lastRequests = new Map<string, { done: number; at: number }>();
  const write = (line: string) => stream.write(`${line}\n`);
  const update = (state: WatchState) => {
    const labels = labelsOf(state.experiment.cells);
    const p = state.experiment.progress;
    for (const c of state.experiment.cells) {
      if (seen.get(c.id) !== c.status) {
        seen.set(c.id, c.status);
        if (c.status === 'queued') continue;
        write(FINAL.has(c.status) ? finalLine(c, labels) : `  ${c.status}  ${labels.get(c.id)}`);
        if (FINAL.has(c.status))
          write(
            `cells ${p.done + p.failed + p.cancelled}/${p.total}: done ${p.done}, failed ${p.failed}, running ${p.running}, queued ${p.queued}`,
          );
      }
      const r = state.requests.get(c.id);
      const last = lastRequests.get(c.id);
      if (
        c.status === 'running' &&
        r &&
        r.done !== last?.done &&
        (last === undefined || Date.now() - last.at >= 2000 || r.done === r.total)
      ) {
        lastRequests.set(c.id, { done: r.done, at: Date.now() });
        write(`  requests ${r.done}/${r.total}  ${labels.get(c.id)}`);
      }
    }
  };
  return { update, finish: update };
}

function labelsOf(cells: readonly ExperimentCellView[]): Map<string, string> {
  const labels = cellLabels(cells.map((c) => c.config));
  return new Map(cells.map((c, i) => [c.id, `cell ${c.index + 1}/${cells.length} ${labels[i] ?? ''}`.trimEnd()]));
}

function finalLine(c: ExperimentCellView, labels: Map<string, string>): string {
  const mark = c.status === 'done' ? '✓' : '✗';
  return `${mark} ${c.status}  ${labels.get(c.id)}${c.status === 'failed' && c.error ? `: ${c.error}` : ''}`;
}
