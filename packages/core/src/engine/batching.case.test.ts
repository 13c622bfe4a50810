import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyChooser, greedyStrategy } from '../decoding/greedy.ts';
import { sampleChooser, sampleStrategy } from '../decoding/sample.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { NEUTRAL_SAMPLING } from '../sampling/logits-processors.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { generateContinuous } from './continuous-batching.ts';
import { generateBatch } from './generate-batch.ts';

// Prompts of 1 to 14 tokens: the short ones sit behind up to 13 columns of left padding.
const BATCH = [...PROMPTS, 'Why', 'a b c d e f'];
const SAMPLING = { ...NEUTRAL_SAMPLING, temperature: 0.05, topK: 50, seed: 21 };

describe('batching: every row equals its unbatched run', () => {
  const models = testModels();
  let mini: LoadedModel;
  beforeAll(async () => {
    mini = await models.load('gpt2-mini');
  });
  afterAll(() => models.pool.clear());
  const eos: number[] = [];

  it.each([2, 4, 6])('static batch of %i, greedy', async (size) => {
    const prompts = BATCH.slice(0, size);
    const rows = await generateBatch(mini.session, mini.tokenizer, prompts, {
      maxNewTokens: 12,
      newChooser: () => greedyChooser,
      eosTokenIds: eos,
    });
    for (const [i, p] of prompts.entries()) expect(rows[i]!.outputTokenIds).toEqual((await runGreedy(mini, p, 12)).outputTokenIds);
  });

  it('static batch, seeded sampling (each row its own stream): rows equal their unbatched samples', async () => {
    const rows = await generateBatch(mini.session, mini.tokenizer, BATCH, {
      maxNewTokens: 12,
      newChooser: () => sampleChooser(SAMPLING),
      eosTokenIds: eos,
    });
    for (const [i, p] of BATCH.entries()) {
      const alone = await run(mini, sampleStrategy(mini.session, { ...SAMPLING, useCache: true }), p, 12);
      expect(rows[i]!.outputTokenIds).toEqual(alone.outputTokenIds);
    }
  });

  it('static batch: a row that hits eos stops (and says so) while the others go on', async () => {
    const first = (await runGreedy(mini, BATCH[1]!, 12)).outputTokenIds;
    const stopAt = first[3]!;
    const rows = await generateBatch(mini.session, mini.tokenizer, BATCH.slice(0, 3), {
      maxNewTokens: 12,
      newChooser: () => greedyChooser,
      eosTokenIds: [stopAt],
    });
    expect(rows[1]!.outputTokenIds).toEqual(first.slice(0, first.indexOf(stopAt) + 1));
    expect(rows[1]!.stopReason).toBe('eos');
    expect(rows[1]!.events).toHaveLength(rows[1]!.outputTokenIds.length);
  });

  it('continuous batching (2 slots, 6 requests joining as others leave): each equals its unbatched run', async () => {
    // Stop tokens taken from the requests' own greedy outputs, so they leave at different steps.
    const eosIds: number[] = [];
    for (const [i, p] of BATCH.entries()) eosIds.push((await runGreedy(mini, p, 12)).outputTokenIds[[2, 11, 4, 8, 1, 6][i]!]!);
    const alone: number[][] = [];
    for (const p of BATCH) alone.push((await run(mini, greedyStrategy(mini.session, { useCache: true }), p, 12, eosIds)).outputTokenIds);
    const out = await generateContinuous(mini.session, mini.tokenizer, BATCH, {
      maxNewTokens: 12,
      newChooser: () => greedyChooser,
      eosTokenIds: eosIds,
      maxBatch: 2,
    });
    expect(out.map((g) => g.outputTokenIds)).toEqual(alone);
    expect(new Set(alone.map((a) => a.length)).size).toBeGreaterThan(1); // requests really left at different steps
  });

  it('continuous batching with more slots than requests equals static batching', async () => {
    const opts = { maxNewTokens: 10, newChooser: () => greedyChooser, eosTokenIds: eos };
    const a = await generateContinuous(mini.session, mini.tokenizer, BATCH, { ...opts, maxBatch: 8 });
    const b = await generateBatch(mini.session, mini.tokenizer, BATCH, opts);
    expect(a.map((g) => g.outputTokenIds)).toEqual(b.map((g) => g.outputTokenIds));
  });
});
