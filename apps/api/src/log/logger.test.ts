import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLog } from './logger.ts';

describe('the api log', () => {
  it('writes JSON lines with the level, the component and the fields (experiment and cell ids)', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLog({ level: 'info', component: 'recorder', destination });
    log.debug('not shown');
    log.child({ experimentId: 'e1' }).warn('cell failed in the queue', { cellId: 'c1' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 40,
      component: 'recorder',
      experimentId: 'e1',
      cellId: 'c1',
      msg: 'cell failed in the queue',
    });
  });
});
