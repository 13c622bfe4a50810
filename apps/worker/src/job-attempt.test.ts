import { describe, expect, it } from 'vitest';
import { attemptOf, throttle } from './job-attempt.ts';

describe('attemptOf', () => {
  it('numbers each try, stalled restarts included', () => {
    expect(attemptOf({ attemptsStarted: 1, attemptsMade: 0 })).toBe(1);
    expect(attemptOf({ attemptsStarted: 2, attemptsMade: 1 })).toBe(2);
    // A killed worker's job restarts without attemptsMade moving: attemptsStarted still counts it.
    expect(attemptOf({ attemptsStarted: 3, attemptsMade: 1 })).toBe(3);
  });
});

describe('throttle', () => {
  it('opens at most once per interval, and always when forced', () => {
    let now = 0;
    const due = throttle(1000, () => now);
    expect(due()).toBe(true);
    now = 500;
    expect(due()).toBe(false);
    expect(due(true)).toBe(true);
    now = 1400;
    expect(due()).toBe(false); // the forced one restarted the interval
    now = 1500;
    expect(due()).toBe(true);
  });
});
