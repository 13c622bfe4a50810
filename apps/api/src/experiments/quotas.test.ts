// Issue #19.4: quotas per token on what it may queue — cells, requested tokens (cells × prompts ×
// (repetitions + warmup) × maxNewTokens), unfinished experiments — with a 422 naming the limit
// for a request that can never pass and a 429 + Retry-After for one that can once work finishes;
// and a burst of failed authentications gets 429s.
import { cancelExperiment } from '@inferlab/db';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../test-harness.ts';
import { DEFAULT_QUOTAS, requestedTokens } from './quotas.ts';

const access = { writeTokens: ['alice', 'bob'], readTokens: [] };
const matrix = (over: Record<string, unknown> = {}) => ({
  models: ['forge:gpt2-tiny'],
  prompts: ['a', 'b'],
  maxNewTokens: [10, 20],
  repetitions: 3,
  warmup: 1,
  ...over,
});
const submit = (f: AppFixture | undefined, token: string, body: object) =>
  (f as AppFixture).app.request('/v1/experiments', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

let f: AppFixture | undefined;
afterEach(() => {
  f?.close();
  f = undefined;
});

describe('quotas', () => {
  it('counts requested tokens as cells × prompts × (repetitions + warmup) × maxNewTokens', () => {
    const cells = [{ config: { maxNewTokens: 10 } }, { config: { maxNewTokens: 20 } }] as never[];
    expect(requestedTokens({ prompts: ['a', 'b'], repetitions: 3, warmup: 1 }, cells)).toBe(2 * 4 * (10 + 20));
  });

  it('a request over a limit on its own: 422 naming the limit and its setting', async () => {
    f = createAppFixture(null, { access, quotas: { ...DEFAULT_QUOTAS, requestedTokens: 200 } });
    const res = await submit(f, 'alice', matrix()); // 2 prompts × 4 × (10 + 20) = 240 tokens
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'quota_exceeded', limit: 'requestedTokens', asked: 240 });
    expect(body.message).toMatch(/INFERLAB_QUOTA_TOKENS/);
  });

  it('over a limit with what is already queued: 429 with Retry-After, per token; finishing frees it', async () => {
    f = createAppFixture(null, { access, quotas: { cells: 3, requestedTokens: 1e9, experiments: 10 } });
    const first = await submit(f, 'alice', matrix()); // 2 cells
    expect(first.status).toBe(201);
    const second = await submit(f, 'alice', matrix({ maxNewTokens: [5, 6] })); // 2 more: 4 > 3
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('60');
    expect(await second.json()).toMatchObject({ error: 'quota_exceeded', limit: 'cells' });
    // Another token has its own budget.
    expect((await submit(f, 'bob', matrix())).status).toBe(201);
    // Once alice's first experiment is over (here: cancelled), she may queue again.
    cancelExperiment((f as AppFixture).db, (await first.json()).id, new Date().toISOString());
    expect((await submit(f, 'alice', matrix({ maxNewTokens: [5, 6] }))).status).toBe(201);
  });

  it('concurrent experiments per token', async () => {
    f = createAppFixture(null, { access, quotas: { ...DEFAULT_QUOTAS, experiments: 2 } });
    expect((await submit(f, 'alice', matrix())).status).toBe(201);
    expect((await submit(f, 'alice', matrix())).status).toBe(201);
    const third = await submit(f, 'alice', matrix());
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ limit: 'experiments' });
  });

  it('the defaults let one person queue the largest matrix the api takes', async () => {
    f = createAppFixture(null, { access });
    const big = matrix({
      maxNewTokens: [2048, 1024, 512, 256, 128, 64, 32, 16],
      threads: [1, 2, 4, 8],
      variants: [{ dtype: 'fp32' }, { dtype: 'int8' }],
      repetitions: 100,
      warmup: 10,
    });
    expect((await submit(f, 'alice', big)).status).toBe(201); // 64 cells, ~36 M tokens
  });
});

describe('failed authentications', () => {
  it('a burst from one address gets 429 with Retry-After, the right token included, until the window passes', async () => {
    f = createAppFixture(null, { access });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await submit(f, `guess-${i}`, matrix())).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const locked = await submit(f, 'alice', matrix());
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
