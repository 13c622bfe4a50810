import { describe, expect, it } from 'vitest';
import { type CellConfig, ENGINES } from '../cell-config.ts';
import { DECODING_STRATEGIES } from '../decoding-schema.ts';
import { cellIssues } from './cell-issues.ts';
import { ENGINE_LIMITS } from './engine-limits.ts';

const CELL: CellConfig = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Hello'],
  maxNewTokens: 8,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 1,
  warmup: 0,
  engine: 'inferlab',
  scenario: { kind: 'single-stream' },
};
const cell = (change: Partial<CellConfig>): CellConfig => ({ ...CELL, ...change });
type Decoding = CellConfig['decoding'];
const SAMPLE: Decoding = { strategy: 'sample', temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
const BEAM: Decoding = { strategy: 'beam', numBeams: 2, lengthPenalty: 1, earlyStopping: false };
const EARLY_EXIT: Decoding = { strategy: 'early-exit', heads: 'untrained', exitLayers: [1], criterion: 'max-prob', threshold: 0.9 };
const SELF_SPEC: Decoding = { strategy: 'self-speculative', heads: 'untrained', exitLayer: 1, k: 4, adaptiveK: false };
const SERVER = { kind: 'server', ratePerS: 10, maxConcurrency: 2, seed: 1 } as const;
const at = (c: CellConfig) => cellIssues(c).map((i) => i.path);

describe('cellIssues', () => {
  it('passes the plain cell and every strategy on our engine at batch 1', () => {
    expect(cellIssues(CELL)).toEqual([]);
    expect(cellIssues(cell({ engine: undefined, scenario: undefined }))).toEqual([]);
    for (const decoding of [SAMPLE, BEAM, EARLY_EXIT, SELF_SPEC]) expect(cellIssues(cell({ decoding }))).toEqual([]);
  });

  describe('batching', () => {
    it('runs greedy and sample above batch 1, nothing else', () => {
      expect(cellIssues(cell({ batchSize: 8, decoding: SAMPLE }))).toEqual([]);
      expect(cellIssues(cell({ batchSize: 2, decoding: BEAM }))).toEqual([
        {
          path: 'batchSize',
          message:
            'batch sizes above 1 run greedy or sample only, and the matrix also has beam; submit those with batchSizes [1] in another experiment',
        },
      ]);
    });

    it('needs the KV cache above batch 1', () => {
      expect(cellIssues(cell({ batchSize: 2, variant: { dtype: 'fp32', cache: false } }))).toEqual([
        { path: 'batchSize', message: 'batch sizes above 1 need the KV cache; drop variants with cache: false or use batchSizes [1]' },
      ]);
      expect(cellIssues(cell({ variant: { dtype: 'fp32', cache: false } }))).toEqual([]);
    });
  });

  describe('int8 KV cache', () => {
    const int8 = (variant: Partial<CellConfig['variant']>, change: Partial<CellConfig> = {}) =>
      cellIssues(cell({ variant: { dtype: 'fp32', cache: true, kvCacheDtype: 'int8', ...variant }, ...change }));

    it('runs fp32 and int8 weights of forge models with the cache', () => {
      expect(int8({})).toEqual([]);
      expect(int8({ dtype: 'int8' })).toEqual([]);
    });

    it('names variant.kvCacheDtype and the fix for each combination that cannot run', () => {
      expect(int8({ cache: false })).toEqual([
        { path: 'variant.kvCacheDtype', message: 'kvCacheDtype int8 needs the KV cache; set cache: true or kvCacheDtype "fp32"' },
      ]);
      expect(int8({ dtype: 'q4' })[0]?.message).toMatch(/fp32 or int8 weights, not q4/);
      expect(int8({}, { model: 'hf:Xenova/gpt2' })[0]?.message).toMatch(/forge-built graph, and models has hf:Xenova\/gpt2/);
      expect(int8({}, { decoding: EARLY_EXIT })[0]?.message).toMatch(/does not run early-exit/);
      expect(int8({}, { engine: 'transformers.js' })).toEqual([
        {
          path: 'variant.kvCacheDtype',
          message: 'kvCacheDtype int8 runs on the inferlab engine only; drop "transformers.js" from engines or use kvCacheDtype "fp32"',
        },
      ]);
    });
  });

  describe('early-exit and self-speculative', () => {
    it('need the KV cache, the fp32 variant and an inferlab-built GPT-2', () => {
      for (const decoding of [EARLY_EXIT, SELF_SPEC]) {
        const issues = (change: Partial<CellConfig>) => cellIssues(cell({ decoding, ...change }));
        expect(issues({ variant: { dtype: 'fp32', cache: false } })).toEqual([
          {
            path: 'decoding.strategy',
            message: `${decoding.strategy} needs the KV cache; drop variants with cache: false or submit ${decoding.strategy} in another experiment`,
          },
        ]);
        expect(issues({ variant: { dtype: 'q4', cache: true } })[0]?.message).toMatch(/runs on the fp32 variant .*not q4/);
        expect(issues({ model: 'forge:llama-tiny' })[0]?.message).toMatch(/GPT-2 graph .*models has forge:llama-tiny/);
        expect(issues({ model: 'hf:Xenova/gpt2' })).toHaveLength(1);
        expect(issues({ model: 'dir:/models/gpt2-imported' })).toEqual([]);
        expect(issues({ batchSize: 2 }).map((i) => i.path)).toEqual(['batchSize']);
      }
    });
  });

  describe('scenarios', () => {
    it('server runs batch size 1', () => {
      expect(cellIssues(cell({ scenario: SERVER }))).toEqual([]);
      expect(cellIssues(cell({ scenario: SERVER, batchSize: 4 }))).toEqual([
        {
          path: 'scenario.kind',
          message: 'the server scenario runs batch size 1 (maxConcurrency sets how many requests run at once), not 4; use batchSizes [1]',
        },
      ]);
    });

    it('offline batches: greedy or sample, with the KV cache, on our engine', () => {
      const offline = { kind: 'offline' } as const;
      expect(cellIssues(cell({ scenario: offline, batchSize: 4, decoding: SAMPLE }))).toEqual([]);
      expect(cellIssues(cell({ scenario: offline, decoding: BEAM }))[0]?.message).toMatch(
        /offline scenario .*greedy or sample only, not beam/,
      );
      expect(cellIssues(cell({ scenario: offline, variant: { dtype: 'fp32', cache: false } }))[0]?.message).toMatch(/needs the KV cache/);
      expect(cellIssues(cell({ scenario: offline, engine: 'transformers.js' }))).toEqual([
        {
          path: 'scenario.kind',
          message: 'the offline scenario runs on the inferlab engine only; drop "transformers.js" from engines or use another scenario',
        },
      ]);
    });
  });

  describe('engines', () => {
    const tjs = (change: Partial<CellConfig>) => cellIssues(cell({ engine: 'transformers.js', ...change }));

    it('transformers.js runs greedy, batch 1, with its cache, single-stream or server', () => {
      expect(tjs({})).toEqual([]);
      expect(tjs({ scenario: SERVER })).toEqual([]);
      expect(tjs({ variant: { dtype: 'q4', cache: true } })).toEqual([]);
    });

    it('transformers.js refuses sampling (it used to pass the api and fail in the worker)', () => {
      expect(tjs({ decoding: SAMPLE })).toEqual([
        {
          path: 'decoding.strategy',
          message:
            'the transformers.js engine runs greedy only, not sample; drop "transformers.js" from engines or submit sample in another experiment',
        },
      ]);
      for (const decoding of [BEAM, EARLY_EXIT, SELF_SPEC])
        expect(at(cell({ engine: 'transformers.js', decoding }))).toContain('decoding.strategy');
    });

    it('transformers.js refuses batching and running without the cache', () => {
      expect(tjs({ batchSize: 2 })).toEqual([
        {
          path: 'batchSize',
          message: 'the transformers.js engine runs batch sizes up to 1, not 2; drop "transformers.js" from engines or use batchSizes [1]',
        },
      ]);
      expect(tjs({ variant: { dtype: 'fp32', cache: false } })).toEqual([
        {
          path: 'variant.cache',
          message: 'the transformers.js engine always decodes with its KV cache; use cache: true or drop "transformers.js" from engines',
        },
      ]);
    });

    it('llama.cpp runs greedy, batch 1, fp32/fp16/q8/q4 with its cache; another dtype is an issue naming variant.dtype', () => {
      const llama = (change: Partial<CellConfig>) => cellIssues(cell({ engine: 'llama.cpp', ...change }));
      for (const dtype of ['fp32', 'fp16', 'q8', 'q4'] as const) expect(llama({ variant: { dtype, cache: true } })).toEqual([]);
      expect(llama({ scenario: SERVER })).toEqual([]);
      expect(llama({ variant: { dtype: 'int8', cache: true } })).toEqual([
        {
          path: 'variant.dtype',
          message:
            'the llama.cpp engine has no file for dtype int8, only fp32, fp16, q8, q4; drop "llama.cpp" from engines or use one of those',
        },
      ]);
      expect(at(cell({ engine: 'llama.cpp', decoding: SAMPLE }))).toEqual(['decoding.strategy']);
      expect(at(cell({ engine: 'llama.cpp', batchSize: 2 }))).toEqual(['batchSize']);
      expect(at(cell({ engine: 'llama.cpp', variant: { dtype: 'fp32', cache: false } }))).toEqual(['variant.cache']);
      expect(at(cell({ engine: 'llama.cpp', variant: { dtype: 'fp32', cache: true, kvCacheDtype: 'int8' } }))).toEqual([
        'variant.kvCacheDtype',
      ]);
      expect(at(cell({ engine: 'llama.cpp', scenario: { kind: 'offline' } }))).toEqual(['scenario.kind']);
    });

    it('every engine has limits, and every strategy runs on some engine', () => {
      expect(Object.keys(ENGINE_LIMITS).sort()).toEqual([...ENGINES].sort());
      for (const s of DECODING_STRATEGIES) expect(ENGINES.some((e) => ENGINE_LIMITS[e].strategies.includes(s))).toBe(true);
    });
  });
});
