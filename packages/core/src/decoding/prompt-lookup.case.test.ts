import { describe, expect, it } from 'vitest';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { createStrategy } from './create-strategy.ts';
import { promptLookupDrafter } from './prompt-lookup-drafter.ts';

for (const ngram of [1, 3]) {
  strategyConformance(`prompt lookup, ngram=${ngram}, k=4`, {
    model: 'gpt2-mini',
    make: async (t) => createStrategy({ strategy: 'prompt-lookup', ngram, k: 4 }, { target: t.session, useCache: true }),
    equalsGreedy: true,
  });
}

describe('prompt-lookup drafter', () => {
  it('proposes what followed the most recent earlier match of the longest suffix n-gram', async () => {
    const d = promptLookupDrafter(3);
    // The 3-gram suffix [1, 6, 7] never occurred before; the 2-gram [6, 7] did, at 1 and at 6:
    // the latest wins, and what followed it (from index 8) is proposed.
    const ctx = [5, 6, 7, 8, 9, 5, 6, 7, 1, 6, 7];
    expect((await d.propose(ctx, 2)).tokens).toEqual([1, 6]);
    expect((await d.propose(ctx, 10)).tokens).toEqual([1, 6, 7]); // never past the context's end
    expect((await d.propose([1, 2, 3], 4)).tokens).toEqual([]); // no match: no draft, a plain target step
    expect((await d.propose([4, 2, 4], 4)).tokens).toEqual([2, 4]); // a 1-gram match
  });
});
