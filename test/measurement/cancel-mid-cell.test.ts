// A cancelled cell stops before its next request (single-stream, server) or decode step (offline),
// however it is measured.
import { CellCancelledError } from '@inferlab/core';
import type { CellSpec } from '@inferlab/runner';
import { describe, expect, it } from 'vitest';
import { useTinyCells } from '../helpers/tiny-cell.ts';

const { run: runTiny } = useTinyCells();

// 20 short requests of one prompt: enough to be cancelled in the middle.
const base: Partial<CellSpec> = { prompts: ['Hello world'], maxNewTokens: 8, repetitions: 20, warmup: 0 };

/** Cancelled after `checks` looks at the flag; counts how many measured requests got done. */
async function cancelAfter(spec: Partial<CellSpec>, checks: number) {
  let looked = 0;
  let done = 0;
  const run = runTiny(
    { ...base, ...spec },
    {
      isCancelled: () => ++looked > checks,
      onProgress: (p) => {
        if (p.phase === 'measuring') done = p.done;
      },
    },
  );
  await expect(run).rejects.toThrow(CellCancelledError);
  return { looked, done };
}

describe('cancel mid-cell', () => {
  it('single-stream stops between requests', async () => {
    const { done } = await cancelAfter({}, 3);
    expect(done).toBe(3);
  });

  it('server scenario stops between requests', async () => {
    const { done } = await cancelAfter({ scenario: { kind: 'server', ratePerS: 1000, maxConcurrency: 1, seed: 1 } }, 2);
    expect(done).toBeLessThan(20);
  });

  it('offline scenario stops between decode steps', async () => {
    const { looked } = await cancelAfter({ batchSize: 4, scenario: { kind: 'offline' } }, 2);
    expect(looked).toBe(3);
  });
});
