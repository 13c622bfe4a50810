import { describe, expect, it } from 'vitest';
import { lineView, ttyView } from './views.ts';
import type { WatchState } from './watch-experiment.ts';

const ESC = String.fromCharCode(27);

function sink(columns = 100) {
  let text = '';
  const write = (s: string) => {
    text += s;
    return true;
  };
  return { stream: { write, columns } as never, text: () => text };
}

type CellStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
function state(statuses: CellStatus[], requests: [string, number, number][] = [], error: string | null = null): WatchState {
  const count = (s: CellStatus) => statuses.filter((x) => x === s).length;
  return {
    experiment: {
      id: 'e1',
      name: 'n',
      createdAt: '2026-01-01T00:00:00Z',
      status: count('failed') > 0 && count('queued') + count('running') === 0 ? 'failed' : 'running',
      matrix: {} as never,
      progress: {
        total: statuses.length,
        queued: count('queued'),
        running: count('running'),
        done: count('done'),
        failed: count('failed'),
        cancelled: count('cancelled'),
      },
      cells: statuses.map((status, index) => ({
        id: `c${index}`,
        index,
        status,
        attempt: 1,
        error: status === 'failed' ? error : null,
        config: { model: 'forge:gpt2-tiny', variant: { dtype: 'fp32', cache: index % 2 === 1 } } as never,
      })),
    },
    requests: new Map(requests.map(([id, done, total]) => [id, { done, total }])),
  };
}

describe('lineView (piped)', () => {
  it('prints one plain line per change: cell states, request counts, totals; no escape codes', () => {
    const out = sink();
    const view = lineView(out.stream);
    view.update(state(['running', 'queued'], [['c0', 3, 10]]));
    view.update(state(['running', 'queued'], [['c0', 3, 10]])); // nothing changed: nothing printed
    view.update(state(['done', 'failed'], [], 'no such folder /x'));
    view.finish(state(['done', 'failed'], [], 'no such folder /x'));
    expect(out.text().split('\n')).toEqual([
      '  running  cell 1/2 cache=false',
      '  requests 3/10  cell 1/2 cache=false',
      '✓ done  cell 1/2 cache=false',
      'cells 2/2: done 1, failed 1, running 0, queued 0',
      '✗ failed  cell 2/2 cache=true: no such folder /x',
      'cells 2/2: done 1, failed 1, running 0, queued 0',
      '',
    ]);
    expect(out.text()).not.toContain(ESC);
  });
});

describe('ttyView (terminal)', () => {
  it('draws the bars, then redraws them in place over the previous frame; finished cells scroll above', () => {
    const out = sink();
    const view = ttyView(out.stream);
    view.update(state(['running', 'queued'], [['c0', 5, 10]]));
    view.finish(state(['done', 'running'], [['c1', 0, 10]]));
    const text = out.text();
    expect(text.startsWith(`${ESC}[?25l\r${ESC}[0Jcells    [${'░'.repeat(24)}] 0/2`)).toBe(true);
    expect(text).toContain(`  [${'█'.repeat(8)}${'░'.repeat(8)}] 5/10 requests  cell 1/2 cache=false\n`);
    // The second frame: up over the two lines drawn, clear, the finished cell's line, then the bars again.
    expect(text).toContain(`\r${ESC}[2A${ESC}[0J✓ done  cell 1/2 cache=false\ncells    [${'█'.repeat(12)}${'░'.repeat(12)}] 1/2`);
    expect(text.endsWith(`${ESC}[?25h`)).toBe(true);
  });

  it('cuts lines to the terminal width so a redraw never wraps', () => {
    const out = sink(50);
    ttyView(out.stream).finish(state(['running'], [['c0', 1, 2]]));
    for (const line of out.text().split('\n').slice(0, -1))
      expect(
        line
          .split(ESC)
          .at(-1)
          ?.replace(/^\[[^a-zA-Z]*[a-zA-Z]/, '').length,
      ).toBeLessThanOrEqual(49);
  });
});
