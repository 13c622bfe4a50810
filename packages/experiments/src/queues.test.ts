import { describe, expect, it } from 'vitest';
import { CELL_QUEUES, cellQueueName, RESULTS_QUEUE, resultJobId } from './queues.ts';

describe('queue names', () => {
  it('has one cell queue per device, with names BullMQ accepts (no ":")', () => {
    expect(cellQueueName('cpu')).toBe('cells-cpu');
    expect(cellQueueName('cuda')).toBe('cells-cuda');
    for (const name of [...Object.values(CELL_QUEUES), RESULTS_QUEUE]) expect(name).not.toContain(':');
  });

  it('gives each cell attempt its own result job id', () => {
    expect(resultJobId('abc', 2)).toBe('result:abc:2');
    // BullMQ 6 accepts a custom id with ':' only when it has exactly three parts.
    expect(resultJobId('abc', 2).split(':')).toHaveLength(3);
  });
});
