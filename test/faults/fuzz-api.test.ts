// Thousands of malformed requests to every endpoint: each answer is a 4xx with a message (or a
// success for a mutation that happens to stay valid), never a 5xx, and the api keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../../apps/api/src/test-harness.ts';

const VALID = {
  name: 'fuzz',
  models: ['forge:gpt2-tiny'],
  variants: [{ dtype: 'fp32', cache: true }],
  decoding: [{ strategy: 'greedy' }],
  prompts: ['Hello world'],
  maxNewTokens: [8],
  batchSizes: [1],
  devices: ['cpu'],
  threads: [1],
  repetitions: 2,
  warmup: 0,
};

/** mulberry32: a seeded generator, so every run sends the same requests. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -1e308,
  2 ** 53 + 1,
  0.5,
  Number.NaN,
  '',
  ' ',
  'x'.repeat(10_000),
  '../../etc/passwd',
  'forge:../../x',
  'dir:/etc',
  'hf:a/../../b',
  '<script>alert(1)</script>',
  '\u0000',
  '🤖',
  [],
  [[]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  [null],
  ['fp32'],
  [{}],
  Array(600).fill('a'),
  '1e9',
  'NaN',
];

function mutate(r: () => number): unknown {
  const m: Record<string, unknown> = structuredClone(VALID);
  const keys = Object.keys(m);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const k = pick(keys);
    switch (Math.floor(r() * 6)) {
      case 0:
        delete m[k];
        break;
      case 1:
        m[k] = pick(WEIRD);
        break;
      case 2:
        m[`${k}_${Math.floor(r() * 9)}`] = pick(WEIRD);
        break;
      case 3:
        m[k] = [pick(WEIRD), pick(WEIRD)];
        break;
      case 4: {
        const v = m[k];
        if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null) {
          const inner = v[0] as Record<string, unknown>;
          inner[pick(Object.keys(inner).concat(['extra']))] = pick(WEIRD);
        } else m[k] = pick(WEIRD);
        break;
      }
      default:
        return pick(WEIRD);
    }
  }
  return m;
}

describe('api fuzz', () => {
  let f: AppFixture;
  beforeAll(() => {
    f = createAppFixture(null, { maxCells: 64 });
  });
  afterAll(() => f.close());

  it('answers 3000 malformed requests without a 5xx', async () => {
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
      const body = mutate(r);
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
        body: JSON.stringify({ ...VALID, prompts: ['x'.repeat(3 * 2 ** 20)] }),
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
    for (let i = 0; i < 100; i++) {
      for (const id of ids) {
        for (const p of paths(i % 2 ? id : `${id}${i}`)) await check(`GET ${p}`, await f.app.request(p));
      }
      if (i >= 10) break;
    }
    for (const method of ['PUT', 'DELETE', 'PATCH'])
      await check(`${method} experiments`, await f.app.request('/v1/experiments', { method }));
    expect(bad).toEqual([]);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(3000);
    console.log(`fuzz: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
