// Issue 13.1: a request whose tokens were not streamed (beam search: one event carrying all of
// them) or that made one token has no inter-token timing. Through the real platform (HTTP →
// BullMQ → CPU worker → recorder → SQLite): TPOT and ITL are null with the reason, never 0 ms;
// goodput ignores the TPOT target for those requests; compare refuses TPOT with a message.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const PROMPTS = ['Hello world', 'The quick brown fox'];
const REPS = 2;
const REQUESTS = REPS * PROMPTS.length;

describe('requests without inter-token timing through the platform', () => {
  const f = usePlatform('e2e-unstreamed');

  it('reports TPOT and ITL as null with the reason for beam search and for one-token requests', async () => {
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      name: 'e2e unstreamed',
      models: ['forge:gpt2-tiny'],
      prompts: PROMPTS,
      decoding: [{ strategy: 'greedy' }, { strategy: 'beam', numBeams: 2 }],
      maxNewTokens: [1, 6],
      threads: [1],
      repetitions: REPS,
      warmup: 0,
      // 0.001 ms per token: no streamed request meets it, so only requests without a TPOT can.
      slo: { tpotMs: 0.001 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => [c.status, c.error])).toEqual([0, 1, 2, 3].map(() => ['done', null]));

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const cell = (strategy: string, maxNewTokens: number) => {
      const found = results.cells.filter((c: any) => c.config.decoding.strategy === strategy && c.config.maxNewTokens === maxNewTokens);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const greedy = cell('greedy', 6);
    const beam = cell('beam', 6);
    expect(greedy.tpot.p50).toBeGreaterThan(0);
    expect(greedy.tpotUnavailable).toBeNull();
    expect(greedy.goodput).toMatchObject({ met: 0, total: REQUESTS });

    expect(beam.requests).toBe(REQUESTS);
    expect(beam.tpot).toBeNull(); // was 0 ms: (E2EL − TTFT) / (N_out − 1) with TTFT = E2EL
    expect(beam.itl).toBeNull();
    expect(beam.tpotUnavailable).toBe(`not streamed: ${REQUESTS} of ${REQUESTS} requests sent all their tokens in one event`);
    expect(beam.goodput).toMatchObject({ met: REQUESTS, total: REQUESTS }); // the TPOT target does not apply
    for (const strategy of ['greedy', 'beam']) {
      const one = cell(strategy, 1);
      expect(one.tpot).toBeNull();
      expect(one.itl).toBeNull();
      expect(one.tpotUnavailable).toBe(`one token: ${REQUESTS} of ${REQUESTS} requests generated a single token`);
      expect(one.e2el.p50).toBeGreaterThan(0);
    }

    // The stored rows: beam's single event carries every token; its TPOT column is NULL, not 0.
    const db = new Database(join(f.dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare(
          'select r.n_out as nOut, r.tpot_ms as tpot, count(e.seq) as events from requests r join token_events e on e.request_id = r.id where r.cell_id = ? group by r.id',
        )
        .all(beam.cellId) as { nOut: number; tpot: number | null; events: number }[];
      expect(rows).toHaveLength(REQUESTS);
      for (const r of rows) expect(r).toEqual({ nOut: 6, tpot: null, events: 1 });
    } finally {
      db.close();
    }

    const res = await fetch(`${f.platform.apiUrl}/v1/compare?a=${greedy.cellId}&b=${beam.cellId}`);
    expect(res.status).toBe(200);
    const comparison = (await res.json()) as any;
    expect(comparison.metrics.tpot).toBeNull();
    expect(comparison.metrics.itl).toBeNull();
    expect(comparison.refused.tpot).toBe(
      `cell b has no inter-token timing (not streamed: ${REQUESTS} of ${REQUESTS} requests sent all their tokens in one event): TPOT and ITL are undefined, so they are not compared`,
    );
    expect(comparison.metrics.e2el.nA).toBe(REQUESTS);
    expect(comparison.metrics.e2el.nB).toBe(REQUESTS);
  });
});
