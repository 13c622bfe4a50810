// A matrix mixing decoding strategies through the platform: HTTP → BullMQ → CPU worker (with a
// draft model for speculative cells) → recorder → SQLite → results with the strategy metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';

const PROMPTS = ['one two three four one two three four one two', 'Hello world'];
const MAX_NEW = 10;
const REPS = 2;

describe('decoding strategies through the platform', () => {
  let platform: Platform;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'inferlab-e2e-decoding-'));
    const models = await sharedModelsDir(['gpt2-tiny', 'gpt2-tiny-draft1']);
    platform = await startPlatform({ dataDir, workers: 1, env: { INFERLAB_MODELS_DIR: models } });
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs greedy, sample, beam, speculative and prompt-lookup cells, and batched cells; results carry strategy metrics', async () => {
    const base = { models: ['forge:gpt2-tiny'], prompts: PROMPTS, maxNewTokens: [MAX_NEW], threads: [1], repetitions: REPS, warmup: 0 };
    const mixed = await postJson(`${platform.apiUrl}/v1/experiments`, {
      ...base,
      name: 'e2e decoding',
      decoding: [
        { strategy: 'greedy' },
        { strategy: 'sample', temperature: 0.05, seed: 1 },
        { strategy: 'beam', numBeams: 2 },
        { strategy: 'speculative', draft: 'forge:gpt2-tiny-draft1', k: 3 },
        { strategy: 'prompt-lookup', ngram: 2, k: 3 },
      ],
    });
    expect(mixed.status).toBe(201);
    const batched = await postJson(`${platform.apiUrl}/v1/experiments`, { ...base, name: 'e2e batching', batchSizes: [1, 2] });
    expect(batched.status).toBe(201);
    const rejected = await postJson(`${platform.apiUrl}/v1/experiments`, { ...base, batchSizes: [2], decoding: [{ strategy: 'beam' }] });
    expect(rejected.status).toBe(400);
    expect(rejected.body.issues?.[0]?.path).toBe('batchSizes');

    for (const id of [mixed.body.id, batched.body.id]) {
      const done = await waitForExperiment(platform.apiUrl, id, 240_000);
      expect(done.cells.map((c) => [c.status, c.error])).toEqual(done.cells.map(() => ['done', null]));
    }

    const results = await getJson(`${platform.apiUrl}/v1/experiments/${mixed.body.id}/results`);
    const by = (s: string) => results.cells.find((c: any) => c.config.decoding.strategy === s);
    for (const s of ['greedy', 'sample', 'beam']) expect(by(s).strategy).toBeNull();
    for (const s of ['speculative', 'prompt-lookup']) {
      const m = by(s).strategy;
      expect(m.requests).toBe(REPS * PROMPTS.length);
      expect(m.targetForwards).toBeGreaterThan(0);
      expect(m.acceptedTokens).toBeLessThanOrEqual(m.draftTokens);
      expect(m.acceptanceRate).toBeGreaterThanOrEqual(0);
      expect(m.acceptanceRate).toBeLessThanOrEqual(1);
      // Every target forward yields one token plus the accepted drafts.
      expect(m.targetForwards + m.acceptedTokens).toBe(REPS * PROMPTS.length * MAX_NEW);
      expect(m.targetForwardsPerToken).toBeCloseTo(m.targetForwards / (REPS * PROMPTS.length * MAX_NEW), 9);
      expect(m.meanAcceptedPerTargetForward).toBeCloseTo(m.acceptedTokens / m.targetForwards, 9);
    }
    expect(by('speculative').config.decoding).toEqual({
      strategy: 'speculative',
      draft: 'forge:gpt2-tiny-draft1',
      k: 3,
      adaptiveK: false,
      verification: 'greedy',
    });
    // Multi-token steps are single events carrying n > 1 (ITL counts chunks): fewer events than tokens.
    const spec = await getJson(`${platform.apiUrl}/v1/cells/${by('speculative').cellId}/tokens`);
    const events = spec.requests.flatMap((r: any) => r.events);
    expect(events.reduce((s: number, e: any) => s + e.n, 0)).toBe(REPS * PROMPTS.length * MAX_NEW);
    expect(events.length).toBeLessThan(REPS * PROMPTS.length * MAX_NEW);
    // Greedy-verified speculative decoding and prompt lookup store the greedy cell's tokens.
    const db = new Database(join(dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      const tokens = (s: string) =>
        db
          .prepare('select output_token_ids as ids from requests where cell_id = ? order by repetition, prompt_index')
          .all(by(s).cellId)
          .map((r: any) => r.ids);
      expect(tokens('speculative')).toEqual(tokens('greedy'));
      expect(tokens('prompt-lookup')).toEqual(tokens('greedy'));
    } finally {
      db.close();
    }

    const batchResults = await getJson(`${platform.apiUrl}/v1/experiments/${batched.body.id}/results`);
    expect(batchResults.cells.map((c: any) => c.config.batchSize)).toEqual([1, 2]);
    for (const c of batchResults.cells) expect(c.requests).toBe(REPS * PROMPTS.length);
  });
});
