import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'];
const MAX_NEW = 12;
const REPS = 3;

describe('seed experiment through the platform', () => {
  const f = usePlatform('e2e');

  it('runs fp32 no-cache, fp32 cache and int8 cache cells and records every request and token', async () => {
    const matrix = {
      name: 'e2e seed',
      models: ['forge:gpt2-tiny', 'hf:inferlab-test/not-on-this-machine'],
      variants: [
        { dtype: 'fp32', cache: false },
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: PROMPTS,
      maxNewTokens: [MAX_NEW],
      threads: [1],
      repetitions: REPS,
      warmup: 1,
    };
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, matrix);
    expect(created.status).toBe(201);
    expect(created.body.cells).toHaveLength(6);

    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    const tiny = done.cells.filter((c) => c.config.model === 'forge:gpt2-tiny');
    const hf = done.cells.filter((c) => c.config.model.startsWith('hf:'));
    expect(tiny.map((c) => c.status)).toEqual(['done', 'done', 'done']);
    // The hub cannot be reached here: those cells fail with a reason that says what to do.
    expect(hf).toHaveLength(3); // one per variant: the loop below checks every one of them
    for (const c of hf) {
      expect(c.status).toBe('failed');
      expect(c.error).toMatch(/hf:inferlab-test\/not-on-this-machine/);
      expect(c.error).toMatch(/could not be fetched|offline|copy/i);
    }

    const db = new Database(join(f.dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      for (const cell of tiny) {
        const requests = db
          .prepare(
            'select id, n_out as nOut, ttft_ms as ttft, e2el_ms as e2el, stop_reason as stopReason from requests where cell_id = ? order by id',
          )
          .all(cell.id) as { id: number; nOut: number; ttft: number; e2el: number; stopReason: string }[];
        expect(requests).toHaveLength(REPS * PROMPTS.length);
        for (const r of requests) {
          const events = db.prepare('select t_ms as t, n from token_events where request_id = ? order by seq').all(r.id) as {
            t: number;
            n: number;
          }[];
          const nOut = events.reduce((s, e) => s + e.n, 0);
          expect(nOut).toBe(r.nOut);
          if (r.stopReason === 'length') expect(nOut).toBe(MAX_NEW);
          else expect(nOut).toBeLessThanOrEqual(MAX_NEW);
          for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThan(events[i - 1]!.t);
          expect(events[0]!.t).toBeCloseTo(r.ttft, 6);
          expect(events.at(-1)!.t).toBeCloseTo(r.e2el, 6);
          expect(r.ttft).toBeGreaterThan(0);
        }
      }
    } finally {
      db.close();
    }

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const rows = results.cells.filter((c: any) => c.status === 'done');
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.seed.tokens_generated).toBeGreaterThan(0);
      expect(row.seed.tokens_per_s).toBeGreaterThan(0);
      expect(row.e2el.p50).toBeGreaterThan(0);
      expect(row.e2el.p99).toBeGreaterThanOrEqual(row.e2el.p50);
      expect(row.ttft.p50).toBeLessThanOrEqual(row.e2el.p50);
    }
    const size = (dtype: string) => rows.find((r: any) => r.seed.dtype === dtype).seed.model_size_MB;
    expect(size('int8')).toBeLessThan(size('fp32'));
  });
});
