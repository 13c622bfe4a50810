// Seeded mutations of an experiment matrix, shared by the api fuzz (thousands of requests against
// the in-process app) and the platform fuzz (a bounded number that really run).
export { mulberry32 as rng } from '@inferlab/experiments';

export const VALID_MATRIX = {
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

export const WEIRD: unknown[] = [
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

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** One to three blind mutations of the valid matrix (or a weird value instead of it): mostly invalid. */
export function mutateMatrix(r: () => number): unknown {
  const m: Record<string, unknown> = structuredClone(VALID_MATRIX);
  const keys = Object.keys(m);
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const k = pick(r, keys);
    switch (Math.floor(r() * 6)) {
      case 0:
        delete m[k];
        break;
      case 1:
        m[k] = pick(r, WEIRD);
        break;
      case 2:
        m[`${k}_${Math.floor(r() * 9)}`] = pick(r, WEIRD);
        break;
      case 3:
        m[k] = [pick(r, WEIRD), pick(r, WEIRD)];
        break;
      case 4: {
        const v = m[k];
        if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null) {
          const inner = v[0] as Record<string, unknown>;
          inner[pick(r, Object.keys(inner).concat(['extra']))] = pick(r, WEIRD);
        } else m[k] = pick(r, WEIRD);
        break;
      }
      default:
        return pick(r, WEIRD);
    }
  }
  return m;
}

/**
 * Values a key may take in a matrix that can really run on a CPU-only platform with gpt2-tiny (and
 * its draft), beside a few the api must refuse. Devices stay ['cpu']: a cuda cell would wait for a
 * cuda worker this platform does not have.
 */
const RUNNABLE: Record<string, unknown[]> = {
  models: [['forge:gpt2-tiny'], ['forge:gpt2-tiny', 'hf:inferlab-test/not-on-this-machine'], ['forge:no-such-model']],
  variants: [
    [{ dtype: 'fp32', cache: true }],
    [{ dtype: 'fp32', cache: false }],
    [{ dtype: 'int8', cache: true }],
    [{ dtype: 'fp32', cache: true, kvCacheDtype: 'int8' }],
    [{ dtype: 'fp64', cache: true }],
  ],
  decoding: [
    [{ strategy: 'greedy' }],
    [{ strategy: 'sample', temperature: 0.8, seed: 3 }],
    [{ strategy: 'beam', numBeams: 2 }],
    [{ strategy: 'prompt-lookup', ngram: 2, k: 2 }],
    [{ strategy: 'speculative', draft: 'forge:gpt2-tiny-draft1', k: 2 }],
    [{ strategy: 'telepathy' }],
  ],
  prompts: [['Hello world'], ['🤖 <script>alert(1)</script>', '\u0000 nul'], ['a'], ['x '.repeat(400)], ['']],
  maxNewTokens: [[1], [3], [1, 4], [0], [200]],
  batchSizes: [[1], [2], [0]],
  repetitions: [1, 2, 0, 1.5],
  warmup: [0, 1, -1],
  scenarios: [[{ kind: 'offline' }], [{ kind: 'server', ratePerS: 200, maxConcurrency: 2, seed: 7 }]],
};

/** One to three mutations drawn from RUNNABLE (and, one time in eight, a blind one): often valid. */
export function mutateRunnable(r: () => number): Record<string, unknown> {
  const m: Record<string, unknown> = { ...structuredClone(VALID_MATRIX), maxNewTokens: [3], repetitions: 1 };
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const key = pick(r, Object.keys(RUNNABLE));
    m[key] = r() < 0.125 ? pick(r, WEIRD) : structuredClone(pick(r, RUNNABLE[key] as unknown[]));
  }
  return m;
}
