import { ModelPool } from '@inferlab/core';
import { TEST_MODELS_DIR } from '@inferlab/core/testing';
import type { CellConfig } from '@inferlab/experiments';
import { afterAll, describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from './run-cell.ts';

// A cell's kvLayout picks the graph it decodes with: in-place (the default expansion gives forge
// gpt2 cells) must produce the tokens the concat graph does, for every strategy and weight variant
// it runs, and record what ran.

const BASE: CellSpec = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Hello world', 'The quick brown fox jumps over'],
  maxNewTokens: 12,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 1,
  warmup: 0,
};
const pool = new ModelPool(3);
const ctx = { modelsDir: TEST_MODELS_DIR, modelRoots: [], pool };
afterAll(() => pool.clear());

const tokensOf = async (spec: CellSpec) => (await runCell(spec, ctx)).requests.map((r) => r.outputTokenIds);
const both = async (spec: Partial<CellSpec>, variant: Partial<CellConfig['variant']> = {}) => {
  const concat = await tokensOf({ ...BASE, ...spec, variant: { ...BASE.variant, ...variant } });
  const inPlace = await tokensOf({ ...BASE, ...spec, variant: { ...BASE.variant, ...variant, kvLayout: 'in-place' } });
  return { concat, inPlace };
};

// The strategies on the in-place kind are core's conformance suites (decoding/in-place-kv.case.test.ts)
// and every weight variant's twin is forge's (kv-in-place-files.test.ts); here: the cell path.
describe('kvLayout in-place cells', () => {
  it.each([
    ['greedy', { decoding: { strategy: 'greedy' } }],
    ['beam', { decoding: { strategy: 'beam', numBeams: 3, lengthPenalty: 1, earlyStopping: false } }],
    [
      'speculative',
      { decoding: { strategy: 'speculative', draft: 'forge:gpt2-tiny-draft1', k: 3, adaptiveK: false, verification: 'greedy' } },
    ],
    ['batch 2', { batchSize: 2 }],
  ] as const)(
    '%s: the same tokens as the concat graph',
    async (_name, spec) => {
      const { concat, inPlace } = await both(spec as Partial<CellSpec>);
      expect(concat.every((t) => t.length > 0)).toBe(true);
      expect(inPlace).toEqual(concat);
    },
    120_000,
  );

  it('llama (grouped-query attention): the same tokens as the concat graph, greedy and beam', async () => {
    const model = 'forge:llama-tiny';
    for (const decoding of [{ strategy: 'greedy' }, { strategy: 'beam', numBeams: 3, lengthPenalty: 1, earlyStopping: false }] as const) {
      const { concat, inPlace } = await both({ model, decoding });
      expect(inPlace).toEqual(concat);
    }
  }, 240_000);

  it('the int8 KV cache and int8 weights in place: the concat graphs’ tokens (beam tells a per-call-quantized head apart)', async () => {
    const beam = { decoding: { strategy: 'beam', numBeams: 3, lengthPenalty: 1, earlyStopping: false } } as const;
    for (const variant of [{ kvCacheDtype: 'int8' }, { dtype: 'int8', kvCacheDtype: 'int8' }] as const) {
      const { concat, inPlace } = await both(beam, variant);
      expect(inPlace).toEqual(concat);
    }
    const run = await runCell({ ...BASE, variant: { ...BASE.variant, kvCacheDtype: 'int8', kvLayout: 'in-place' } }, ctx);
    expect(run.model.file).toMatch(/_kvint8_kvinplace\.onnx$/);
    expect(run.memory.kvCacheDtype).toBe('int8');
  }, 240_000);

  it('loads the in-place graph and records its file', async () => {
    const run = await runCell({ ...BASE, variant: { ...BASE.variant, kvLayout: 'in-place' } }, ctx);
    expect(run.model.file).toMatch(/_kvinplace\.onnx$/);
    expect(run.memory.kvCacheBytes).toBeGreaterThan(0);
  }, 120_000);
});
