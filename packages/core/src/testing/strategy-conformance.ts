// The conformance suite every decoding strategy runs (one suite for every implementation).
// Each `*.case.test.ts` calls it with a factory, then adds what is particular to its strategy.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodingStrategy } from '../decoding/strategy.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { PROMPTS, run, runGreedy, testModels } from './test-models.ts';

export type ConformanceOptions = {
  /** Forge model the strategy decodes with (a draft, when needed, is loaded by the factory). */
  model: string;
  make: (target: LoadedModel, load: (name: string) => Promise<LoadedModel>) => Promise<DecodingStrategy>;
  /** The strategy must emit exactly the target's greedy tokens (speculative with greedy verification, beam 1...). */
  equalsGreedy: boolean;
  /**
   * With an eos token the output is the eos-free output cut after its first eos. Not beam search:
   * an eos changes which hypotheses win (its own eos test is in beam-search.case.test.ts).
   */
  eosCutsOutput?: boolean;
  /** The models' KV layout (test-models.ts); default 'concat'. */
  kvLayout?: 'concat' | 'in-place';
};

export function strategyConformance(name: string, opts: ConformanceOptions): void {
  describe(`${name}: conformance`, () => {
    const models = testModels(opts.kvLayout);
    let target: LoadedModel;
    let strategy: DecodingStrategy;
    beforeAll(async () => {
      target = await models.load(opts.model);
      strategy = await opts.make(target, models.load);
    });
    afterAll(() => models.pool.clear());

    it('emits at most maxNewTokens in events whose n add up to the tokens, at non-decreasing times', async () => {
      for (const prompt of PROMPTS) {
        const g = await run(target, strategy, prompt, 9);
        expect(g.outputTokenIds).toHaveLength(9);
        expect(g.stopReason).toBe('length');
        expect(g.events.reduce((s, e) => s + e.n, 0)).toBe(9);
        for (const e of g.events) expect(e.n).toBeGreaterThanOrEqual(1);
        for (let i = 1; i < g.events.length; i++) expect(g.events[i]!.t).toBeGreaterThanOrEqual(g.events[i - 1]!.t);
        expect(g.events[0]!.t).toBeGreaterThan(g.tokenizeMs);
      }
    });

    it('stops at the first eos token, which it emits', async () => {
      const free = await run(target, strategy, PROMPTS[1]!, 8);
      const eos = free.outputTokenIds[5]!;
      const g = await run(target, strategy, PROMPTS[1]!, 8, [eos]);
      const at = g.outputTokenIds.indexOf(eos);
      expect(at === -1 || at === g.outputTokenIds.length - 1).toBe(true);
      expect(g.stopReason).toBe(at === -1 ? 'length' : 'eos');
      expect(g.events.reduce((s, e) => s + e.n, 0)).toBe(g.outputTokenIds.length);
      if (opts.eosCutsOutput !== false) {
        expect(g.outputTokenIds).toEqual(free.outputTokenIds.slice(0, free.outputTokenIds.indexOf(eos) + 1));
      }
    });

    it('is reproducible: the same request twice gives the same tokens', async () => {
      for (const prompt of PROMPTS.slice(0, 2)) {
        const a = await run(target, strategy, prompt, 12);
        const b = await run(target, strategy, prompt, 12);
        expect(b.outputTokenIds).toEqual(a.outputTokenIds);
      }
    });

    if (opts.equalsGreedy) {
      it.each(PROMPTS)("equals the target's greedy tokens, token for token: %s", async (prompt) => {
        const g = await run(target, strategy, prompt, 20);
        expect(g.outputTokenIds).toEqual((await runGreedy(target, prompt, 20)).outputTokenIds);
      });
    }
  });
}
