import type { ExperimentView } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { finishedCells, liveUpdate } from './experiment-data.ts';

const progress = { total: 3, queued: 1, running: 1, done: 1, failed: 0, cancelled: 0 };
const view: ExperimentView = {
  id: 'e1',
  name: 'x',
  createdAt: '2026-01-01T00:00:00Z',
  status: 'running',
  progress,
  matrix: { name: 'x' } as ExperimentView['matrix'],
  cells: [],
};

describe('liveUpdate', () => {
  it('ignores other experiments', () => {
    expect(liveUpdate(view, 1, { id: 'other', status: 'running', progress })).toBeNull();
  });
  it('moves the progress, and refetches results only when a cell finished (cancelled counts)', () => {
    const running = liveUpdate(view, finishedCells(progress), {
      id: 'e1',
      status: 'running',
      progress,
      cell: { id: 'c', status: 'running', done: 2, total: 5 },
    });
    expect(running).toEqual({ view, running: { done: 2, total: 5 }, reload: false });
    const cancelled = { ...progress, queued: 0, running: 0, cancelled: 2 };
    const update = liveUpdate(view, finishedCells(progress), { id: 'e1', status: 'cancelled', progress: cancelled });
    expect(update?.reload).toBe(true);
    expect(update?.view.status).toBe('cancelled');
  });
});
