import { describe, expect, it } from 'vitest';
import { redisTroubleReporter } from './redis-outage.ts';

function setup() {
  let t = 0;
  const lines: string[] = [];
  const log = { error: (m: string) => lines.push(`error ${m}`), info: (m: string) => lines.push(`info ${m}`) };
  const r = redisTroubleReporter({ log, redisUrl: 'redis://:s3cret@10.0.0.1:6379', retryMs: 5000, now: () => t });
  return { r, lines, advance: (ms: number) => (t += ms) };
}

describe('redisTroubleReporter', () => {
  it('says an outage once, however many connections fail how often, and once that it ended', () => {
    const { r, lines, advance } = setup();
    for (let i = 0; i < 50; i++) {
      r.report(new Error('connect ECONNREFUSED 10.0.0.1:6379'), i % 2 ? 'queue cells-cpu' : 'redis');
      advance(200);
    }
    expect(r.down).toBe(true);
    r.ready();
    r.ready();
    expect(lines).toEqual([
      'error cannot reach Redis at redis://***@10.0.0.1:6379 (connect ECONNREFUSED 10.0.0.1:6379): retrying until it answers; work waits meanwhile',
      'info Redis at redis://***@10.0.0.1:6379 answers again after 10.0 s',
    ]);
    r.report(new Error('read ECONNRESET'), 'redis'); // a second outage is a second line
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('repeats a refused password once per retry interval, and other errors as they come', () => {
    const { r, lines, advance } = setup();
    for (let i = 0; i < 12; i++) {
      r.report(new Error('WRONGPASS invalid username-password pair'), 'redis');
      advance(1000);
    }
    expect(lines.filter((l) => l.includes('cannot authenticate'))).toHaveLength(3); // t = 0, 5, 10 s
    r.report(new Error('OOM command not allowed'), 'queue results');
    expect(lines.at(-1)).toBe('error queue results: OOM command not allowed');
  });
});
