import { describe, expect, it } from 'vitest';
import { countBpeTokens, pretokens, trainBpe } from './train-bpe.ts';

const TEXT = 'And God said, Let there be light: and there was light. And God saw the light, that it was good. '.repeat(20);

describe('trainBpe', () => {
  it('pre-tokenizes as GPT-2 does (a leading space stays with its word)', () => {
    expect([...pretokens('And God said, Let')]).toEqual([
      ['And', 1],
      [' God', 1],
      [' said', 1],
      [',', 1],
      [' Let', 1],
    ]);
  });

  it('learns merges up to the vocabulary size, and more merges mean fewer tokens', () => {
    const small = trainBpe(TEXT, 30);
    const large = trainBpe(TEXT, 60);
    expect(large.symbols.length).toBeLessThanOrEqual(60);
    expect(large.merges.length).toBeGreaterThan(small.merges.length);
    const chars = [...pretokens(TEXT)].reduce((n, [w, c]) => n + w.length * c, 0);
    expect(countBpeTokens(small, TEXT)).toBeLessThan(chars);
    expect(countBpeTokens(large, TEXT)).toBeLessThan(countBpeTokens(small, TEXT));
    expect(trainBpe(TEXT, 60)).toEqual(large); // deterministic (ties broken by pair id)
  });
});
