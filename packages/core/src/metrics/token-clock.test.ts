import { describe, expect, it } from 'vitest';
import { TokenClock } from './token-clock.ts';

describe('TokenClock', () => {
  it('records times relative to t0 from the clock it is given', () => {
    const times = [100, 103, 110, 111, 125];
    let i = 0;
    const clock = new TokenClock(() => times[i++] as number);
    clock.markTokenized();
    clock.emit(1);
    clock.emit(3);
    clock.emit(1);
    expect(clock.t0).toBe(100);
    expect(clock.tokenizeMs).toBe(3);
    expect(clock.events).toEqual([
      { t: 10, n: 1 },
      { t: 11, n: 3 },
      { t: 25, n: 1 },
    ]);
  });
});
