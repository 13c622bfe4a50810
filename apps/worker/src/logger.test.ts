import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createWorkerLogger } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('createWorkerLogger', () => {
  it('writes JSON lines with the worker id, and the cell and experiment in a job logger', () => {
    const { lines, stream } = capture();
    const log = createWorkerLogger({ workerId: 'w-1', logLevel: 'info' }, stream);
    log.info({ queue: 'cells-cpu' }, 'listening');
    log.child({ cellId: 'c1', experimentId: 'e1', attempt: 2 }).warn({ reason: 'x' }, 'attempt failed');
    log.debug('not at info');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, workerId: 'w-1', pid: process.pid, queue: 'cells-cpu', msg: 'listening' });
    expect(lines[1]).toMatchObject({ level: 40, workerId: 'w-1', cellId: 'c1', experimentId: 'e1', attempt: 2, msg: 'attempt failed' });
    expect(typeof lines[0]?.time).toBe('number');
  });

  it('honours the level from the config', () => {
    const { lines, stream } = capture();
    const log = createWorkerLogger({ workerId: 'w-1', logLevel: 'warn' }, stream);
    log.info('quiet');
    log.error({ err: new Error('boom') }, 'queue error');
    expect(lines.map((l) => l.msg)).toEqual(['queue error']);
    expect(lines[0]?.err).toMatchObject({ message: 'boom', type: 'Error' });
  });
});
