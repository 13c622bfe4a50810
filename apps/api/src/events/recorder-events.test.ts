import type { ResultMessage } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordMessage } from '../recorder/record-message.ts';
import type { RecorderOutcome } from '../recorder/recorder.ts';
import { type AppFixture, createAppFixture, post } from '../test-harness.ts';
import { type AppEvent, createEventBus } from './event-bus.ts';
import { publishRecorderOutcomes } from './recorder-events.ts';

let f: AppFixture;
let events: AppEvent[];
let onOutcome: (outcome: RecorderOutcome) => void;
beforeEach(() => {
  f = createAppFixture(null);
  const bus = createEventBus();
  events = [];
  bus.subscribe((e) => events.push(e));
  onOutcome = publishRecorderOutcomes(f.db, bus, () => Date.parse('2025-03-01T12:00:05.000Z'));
});
afterEach(() => f.close());

/** What the recorder does for one message: write it, then hand the outcome to the hook. */
function record(message: ResultMessage, subject: Extract<RecorderOutcome, { subject: unknown }>['subject']): void {
  onOutcome({ jobId: 'j', kind: message.kind, ...recordMessage(f.db, message), subject });
}

describe('publishRecorderOutcomes', () => {
  it('publishes the experiment progress, read back from the database, when a cell starts and progresses', async () => {
    const created = await post(f.app, '/v1/experiments', { models: ['forge:gpt2-tiny'], prompts: ['a'], repetitions: 4, warmup: 0 });
    const experimentId: string = created.json.id;
    const cellId: string = created.json.cells[0].id;
    const at = '2025-03-01T12:00:00.000Z';
    record({ kind: 'cell-started', cellId, experimentId, attempt: 1, workerId: 'w', at }, { experimentId, cellId });
    record(
      { kind: 'cell-progress', cellId, experimentId, attempt: 1, done: 2, total: 4 },
      { experimentId, cellId, progress: { done: 2, total: 4 } },
    );
    expect(events).toEqual([
      {
        type: 'experiment',
        data: {
          id: experimentId,
          status: 'running',
          progress: { total: 1, queued: 0, running: 1, done: 0, failed: 0, cancelled: 0 },
          cell: { id: cellId, status: 'running' },
        },
      },
      {
        type: 'experiment',
        data: {
          id: experimentId,
          status: 'running',
          progress: { total: 1, queued: 0, running: 1, done: 0, failed: 0, cancelled: 0 },
          cell: { id: cellId, status: 'running', done: 2, total: 4 },
        },
      },
    ]);
  });

  it('publishes the workers list on a heartbeat and nothing for a skipped message', async () => {
    const worker = {
      id: 'w-1',
      host: 'box',
      deviceClass: 'cpu' as const,
      executionProvider: 'cpu',
      threads: 2,
      pid: 1,
      versions: {},
      startedAt: '2025-03-01T11:00:00.000Z',
    };
    record({ kind: 'worker-heartbeat', worker, currentCellId: null, at: '2025-03-01T12:00:00.000Z' }, null);
    record(
      { kind: 'cell-started', cellId: 'nope', experimentId: 'nope', attempt: 1, workerId: 'w-1', at: '2025-03-01T12:00:00.000Z' },
      {
        experimentId: 'nope',
        cellId: 'nope',
      },
    );
    expect(events).toEqual([
      { type: 'workers', data: { workers: [expect.objectContaining({ id: 'w-1', status: 'alive', lastHeartbeatAgeMs: 5000 })] } },
    ]);
  });
});
