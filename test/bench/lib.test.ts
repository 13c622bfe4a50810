import { describe, expect, it } from 'vitest';
import {
  BenchUsageError,
  decodeTokPerS,
  formatCell,
  intArg,
  medianCi,
  parseBenchArgs,
  ratioCi,
  rotation,
  runRotated,
  table,
  usage,
} from '../../bench/lib.ts';

const spec = {
  name: 'demo',
  summary: 'A demo bench.',
  options: {
    reps: { type: 'string', default: '3', description: 'repetitions' },
    quick: { type: 'boolean', description: 'small settings' },
  },
} as const;

describe('parseBenchArgs', () => {
  it('takes --reps=3 and --reps 3 alike, defaults, booleans and npm’s leading --', () => {
    expect(parseBenchArgs(spec, ['--reps=5']).values.reps).toBe('5');
    expect(parseBenchArgs(spec, ['--reps', '5']).values.reps).toBe('5');
    expect(parseBenchArgs(spec, ['--', '--reps=7', '--quick']).values).toMatchObject({ reps: '7', quick: true, json: '' });
    expect(parseBenchArgs(spec, []).values.reps).toBe('3');
    expect(parseBenchArgs(spec, ['--help']).help).toBe(true);
  });

  it('refuses unknown flags and stray values, naming them', () => {
    expect(() => parseBenchArgs(spec, ['--rep', '3'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(spec, ['--rep', '3'])).toThrow(/--rep/);
    expect(() => parseBenchArgs(spec, ['3'])).toThrow(/'3'/);
  });

  it('checks integers, and the help lists every flag with its default', () => {
    expect(intArg({ reps: '4' }, 'reps')).toBe(4);
    expect(() => intArg({ reps: '0' }, 'reps')).toThrow("--reps must be an integer ≥ 1, got '0'");
    expect(() => intArg({ reps: 'x' }, 'reps')).toThrow(BenchUsageError);
    const text = usage(spec);
    expect(text).toContain('--reps <value>');
    expect(text).toContain('(default 3)');
    expect(text).toContain('--quick');
    expect(text).toContain('--json <value>');
  });
});

describe('rotation', () => {
  it('is ABBA for two sides and a Latin square for more: each side once per position over k reps', () => {
    expect([0, 1, 2, 3].map((r) => rotation(['A', 'B'], r).join(''))).toEqual(['AB', 'BA', 'AB', 'BA']);
    const sides = ['A', 'B', 'C', 'D'];
    const square = [0, 1, 2, 3].map((r) => rotation(sides, r));
    for (let pos = 0; pos < 4; pos++) expect(new Set(square.map((row) => row[pos])).size).toBe(4);
    for (const row of square) expect([...row].sort()).toEqual(sides);
  });

  it('runRotated warms every side up, then runs them in the rotated order', async () => {
    const calls: string[] = [];
    const side = (name: string) => [name, async () => calls.push(name)] as const;
    const samples = await runRotated([side('A'), side('B')], { reps: 3, warmup: 1 });
    expect(calls.join('')).toBe('AB' + 'AB' + 'BA' + 'AB');
    expect(samples.get('A')).toHaveLength(3);
  });
});

describe('estimates', () => {
  it('gives the median with a CI containing it, and n/a with the reason instead of NaN', () => {
    const e = medianCi([10, 12, 11, 13, 9], 'none');
    expect(e).toMatchObject({ median: 11, n: 5 });
    if (!('na' in e)) expect(e.lo <= 11 && 11 <= e.hi).toBe(true);
    expect(medianCi([null, Number.NaN], 'one token per request')).toEqual({ na: 'one token per request' });
    expect(formatCell({ na: 'one token per request' })).toBe('n/a (one token per request)');
    expect(formatCell({ median: 41.23, lo: 40.1, hi: 43, n: 5 })).toBe('41.23 [40.10, 43.00]');
    expect(formatCell(Number.NaN)).toBe('n/a');
    expect(ratioCi([10, 10, 10], [20, 20, 20], 'x')).toMatchObject({ median: 2, lo: 2, hi: 2 });
    expect(ratioCi([], [1], 'no a')).toEqual({ na: 'no a' });
  });

  it('decode tok/s of a one-token generation is null, never NaN; the table says n/a', () => {
    expect(decodeTokPerS({ promptTokens: 3, tokenizeMs: 1, events: [{ t: 5, n: 1 }] })).toBeNull();
    const rate = decodeTokPerS({
      promptTokens: 3,
      tokenizeMs: 1,
      events: [
        { t: 5, n: 1 },
        { t: 15, n: 1 },
      ],
    });
    expect(rate).toBeCloseTo(100, 9); // 1 token / 10 ms
    const out = table([{ side: 'a', 'decode tok/s': medianCi([null], 'one token') }]);
    expect(out).toContain('n/a (one token)');
    expect(out).not.toMatch(/NaN/);
  });
});
