// Thousands of malformed requests to every endpoint: each answer is a 4xx with a message (or a
// success for a mutation that happens to stay valid), never a 5xx, and the api keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../../apps/api/src/test-harness.ts';
import { mutateMatrix, rng, VALID_MATRIX } from '../helpers/fuzz-matrix.ts';

describe('api fuzz', () => {
  let f: AppFixture;
  beforeAll(() => {
    f = createAppFixture(null, { maxCells: 64 });
  });
  afterAll(() => f.close());

  // ~15 s on a quiet machine, ~50 s at load 20: a timeout above vitest's default of 120 s for a loaded suite.
  it('answers 10,000 malformed requests without a 5xx', { timeout: 300_000 }, async () => {
    const r = rng(20261129);
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    const check = async (label: string, res: Response) => {
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500) bad.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400 && res.status < 500) {
        const body = JSON.parse(text) as { error?: string; message?: string };
        if (!body.error || !body.message) bad.push(`${label} → ${res.status} without error/message: ${text.slice(0, 200)}`);
      }
    };
    for (let i = 0; i < 2100; i++) {
      const body = mutateMatrix(r);
      await check(
        `POST matrix #${i}`,
        await f.app.request('/v1/experiments', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    }
    const rawBodies = ['', '{', '{"models":', 'null', '[]', '"str"', '{"models": [1,2,3]}', '\u0000\u0001', '{}'.repeat(1000)];
    for (const [i, raw] of rawBodies.entries()) {
      await check(
        `raw body #${i}`,
        await f.app.request('/v1/experiments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw }),
      );
      await check(
        `raw body text/plain #${i}`,
        await f.app.request('/v1/experiments', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: raw }),
      );
    }
    await check(
      '3 MiB body',
      await f.app.request('/v1/experiments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...VALID_MATRIX, prompts: ['x'.repeat(3 * 2 ** 20)] }),
      }),
    );
    const ids = ['', 'x', '..%2F..%2Fetc', '%00', "' or 1=1 --", 'a'.repeat(5000), '😀', '%E0%A4%A', '..', 'null'];
    const paths = (id: string) => [
      `/v1/experiments/${id}`,
      `/v1/experiments/${id}/results`,
      `/v1/cells/${id}`,
      `/v1/cells/${id}/tokens`,
      `/v1/cells/${id}/positions`,
      `/v1/compare?a=${id}&b=${id}`,
      `/v1/compare?a=${id}`,
      `/v1/workers?x=${id}`,
    ];
    let gets = 0;
    for (let i = 0; i < 100; i++) {
      for (const id of ids) {
        for (const p of paths(i % 2 ? id : `${id}${i}`)) {
          await check(`GET ${p}`, await f.app.request(p));
          gets++;
        }
      }
    }
    expect(gets).toBe(100 * ids.length * paths('').length); // every stated iteration ran
    for (const method of ['PUT', 'DELETE', 'PATCH'])
      await check(`${method} experiments`, await f.app.request('/v1/experiments', { method }));
    expect(bad).toEqual([]);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(2100 + 2 * rawBodies.length + 1 + gets + 3);
    console.log(`fuzz: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
