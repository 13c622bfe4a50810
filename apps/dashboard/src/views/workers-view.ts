import type { QueueDepth, WorkerView } from '@inferlab/experiments';
import { onLive } from '../api/live.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { loadQueues as fetchQueues, loadWorkers as fetchWorkers } from '../data/workers-data.ts';
import { h, replace } from '../dom.ts';
import { ago } from '../format.ts';

/** Workers (live from heartbeats) and the cell queues' depth per device class. */
export function workersView(root: HTMLElement): () => void {
  const workersEl = h('div', {}, loading('workers'));
  const queuesEl = h('div', {}, loading('queues'));
  root.append(h('h1', {}, 'Workers'), workersEl, h('h2', {}, 'Queues'), queuesEl);

  const renderWorkers = (workers: WorkerView[]) => {
    if (workers.length === 0) return replace(workersEl, empty('No worker has sent a heartbeat yet. Start one with `npm run worker`.'));
    replace(
      workersEl,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'list', 'data-testid': 'workers' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['worker', 'status', 'host', 'device', 'execution provider', 'threads', 'current cell', 'last heartbeat'].map((t) =>
                h('th', {}, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...workers.map((w) =>
              h(
                'tr',
                { 'data-worker': w.id },
                h('td', {}, w.id),
                h('td', {}, h('span', { class: `badge badge-${w.status === 'alive' ? 'done' : 'failed'}` }, w.status)),
                h('td', {}, w.host),
                h('td', {}, w.deviceClass),
                h('td', {}, w.executionProvider),
                h('td', { class: 'num' }, w.threads),
                h('td', { class: 'mono' }, w.currentCellId ? w.currentCellId.slice(0, 12) : 'idle'),
                h('td', { title: w.lastHeartbeatAt }, ago(w.lastHeartbeatAgeMs)),
              ),
            ),
          ),
        ),
      ),
    );
  };

  const loadWorkers = () =>
    fetchWorkers().then(
      (workers) => renderWorkers(workers),
      (err) => replace(workersEl, errorBox('the workers', err, loadWorkers)),
    );
  const loadQueues = () =>
    fetchQueues().then(
      (queues: QueueDepth[]) =>
        replace(
          queuesEl,
          h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { class: 'list', 'data-testid': 'queues' },
              h('thead', {}, h('tr', {}, ...['device', 'queue', 'waiting', 'active', 'delayed', 'failed'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                ...queues.map((q) =>
                  h(
                    'tr',
                    { 'data-queue': q.device },
                    h('td', {}, q.device),
                    h('td', { class: 'mono' }, q.queue),
                    ...(['waiting', 'active', 'delayed', 'failed'] as const).map((k) =>
                      h('td', { class: 'num', 'data-col': k }, String(q[k] ?? 0)),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      (err) => replace(queuesEl, errorBox('the queue depths', err, loadQueues)),
    );

  void loadWorkers();
  void loadQueues();
  // Queue depth changes when a cell starts or ends, which is when experiment events arrive.
  let queueTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshQueues = () => {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(() => void loadQueues(), 300);
  };
  const offs = [
    onLive('workers', (d) => renderWorkers(d.workers)),
    onLive('experiment', refreshQueues),
    onLive('open', () => {
      void loadWorkers();
      refreshQueues();
    }),
  ];
  return () => {
    clearTimeout(queueTimer);
    for (const off of offs) off();
  };
}
