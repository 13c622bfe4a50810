import { type Generation, SeededRng } from '@inferlab/core';
import type { RequestRecord, Scenario } from '@inferlab/experiments';

/** MLPerf-style server scenario: Poisson arrivals at `ratePerS`, at most `maxConcurrency` in service. */
export type ServerScenario = Extract<Scenario, { kind: 'server' }>;

export type ServedRequest<T> = {
  item: T;
  /** ms since the window began: when the request was scheduled to arrive. */
  arrivalMs: number;
  /** ms since the window began: when it entered service (its t0). */
  startedAt: number;
  /** startedAt − arrivalMs: time spent waiting for a free slot. */
  queueMs: number;
  generation: Generation;
};

/**
 * Arrival times (ms, the first at 0) of a Poisson process: exponential gaps of mean 1000 / rate,
 * from a seeded generator, so the same seed gives the same arrivals on every machine.
 */
export function poissonArrivals(count: number, ratePerS: number, seed: number): number[] {
  if (!(ratePerS > 0)) throw new RangeError(`arrival rate must be positive, got ${ratePerS}`);
  const rng = new SeededRng(seed);
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    out.push(t);
    t += (-Math.log(1 - rng.next()) * 1000) / ratePerS;
  }
  return out;
}

/**
 * Issues `items` at their arrival times; each waits (FIFO) for one of `maxConcurrency` slots, then
 * runs. Requests in service at once interleave their forward passes on the one session. The
 * queueing delay counts from the scheduled arrival, so a late timer is queueing too.
 */
export async function runServerScenario<T>(
  items: readonly T[],
  scenario: ServerScenario,
  run: (item: T) => Promise<Generation>,
  windowStart: number,
  onDone?: (done: number) => void,
): Promise<ServedRequest<T>[]> {
  const arrivals = poissonArrivals(items.length, scenario.ratePerS, scenario.seed);
  let free = scenario.maxConcurrency;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next)
      next(); // hand the slot over directly, keeping arrival order
    else free++;
  };
  let done = 0;
  const served = items.map(async (item, i): Promise<ServedRequest<T>> => {
    const arrivalMs = arrivals[i] as number;
    const wait = arrivalMs - (performance.now() - windowStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await acquire();
    const startedAt = performance.now() - windowStart;
    try {
      const generation = await run(item);
      onDone?.(++done);
      return { item, arrivalMs, startedAt, queueMs: Math.max(0, startedAt - arrivalMs), generation };
    } finally {
      release();
    }
  });
  return Promise.all(served);
}

/** A served request as the contract records it, with its queueing delay. */
export type ServedRecord = RequestRecord & { queueMs: number };

/** The cell's measured requests under the server scenario (batch 1), in (repetition, prompt) order. */
export async function measureServer(
  pending: readonly { repetition: number; promptIndex: number }[],
  scenario: ServerScenario,
  runOne: (prompt: string) => Promise<Generation>,
  prompts: readonly string[],
  decode: (ids: readonly number[]) => string,
  windowStart: number,
  onDone?: (done: number) => void,
): Promise<{ requests: ServedRecord[]; kvCacheBytes: number }> {
  const served = await runServerScenario(pending, scenario, (r) => runOne(prompts[r.promptIndex] as string), windowStart, onDone);
  const requests = served.map(({ item, startedAt, queueMs, generation: g }) => ({
    ...item,
    promptTokens: g.promptTokens,
    tokenizeMs: g.tokenizeMs,
    events: g.events,
    outputTokenIds: g.outputTokenIds,
    text: decode(g.outputTokenIds),
    startedAt,
    stopReason: g.stopReason,
    queueMs,
  }));
  return { requests, kvCacheBytes: Math.max(0, ...served.map((s) => s.generation.kvCacheBytes)) };
}
