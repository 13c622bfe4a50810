import { describe, expect, it } from 'vitest';
import { expandMatrix } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';
import { matrixIssuesOf } from './testing/matrix-issues-of.ts';

const minimal = { models: ['forge:gpt2-tiny'], prompts: ['Hello'] };
const forge = { knownForgeModels: ['gpt2-tiny', 'gpt2-mini', 'llama-tiny'] };
const issuesOf = (input: unknown) => matrixIssuesOf(input, forge);

describe('early-exit and self-speculative decoding entries', () => {
  it('fill their defaults and expand into cells', () => {
    const m = parseMatrix(
      {
        ...minimal,
        decoding: [
          { strategy: 'early-exit', exitLayers: [1] },
          { strategy: 'early-exit', heads: '20261129T052007Z-1a2b3c4d', exitLayers: [1, 2], criterion: 'entropy', threshold: -1 },
          { strategy: 'self-speculative', exitLayer: 1 },
        ],
      },
      forge,
    );
    expect(m.decoding).toEqual([
      { strategy: 'early-exit', heads: 'untrained', exitLayers: [1], criterion: 'max-prob', threshold: 0.9 },
      { strategy: 'early-exit', heads: '20261129T052007Z-1a2b3c4d', exitLayers: [1, 2], criterion: 'entropy', threshold: -1 },
      { strategy: 'self-speculative', heads: 'untrained', exitLayer: 1, k: 4, adaptiveK: false },
    ]);
    const cells = expandMatrix('e1', m);
    expect(cells.map((c) => c.config.decoding.strategy)).toEqual(['early-exit', 'early-exit', 'self-speculative']);
  });

  it('name the field of a bad parameter', () => {
    const issues = issuesOf({
      ...minimal,
      decoding: [
        { strategy: 'early-exit', exitLayers: [2, 1], heads: 'latest' },
        { strategy: 'early-exit', exitLayers: [1], threshold: -0.5 },
        { strategy: 'self-speculative', exitLayer: 0, k: 40 },
        { strategy: 'self-speculative' },
      ],
    });
    const at = (path: string) => issues.filter((i) => i.path === path).map((i) => i.message);
    expect(at('decoding.0.exitLayers').join()).toMatch(/ascending/);
    expect(at('decoding.0.heads').join()).toMatch(/"untrained" or a version made by POST \/v1\/distill/);
    expect(at('decoding.1.threshold').join()).toMatch(/must be ≥ 0/);
    expect(at('decoding.2.exitLayer')).toHaveLength(1);
    expect(at('decoding.2.k')).toHaveLength(1);
    expect(at('decoding.3.exitLayer')).toEqual(['required field is missing']);
  });

  it('refuse the KV-cache-less variant, batching, transformers.js and non-GPT-2 models', () => {
    const issues = issuesOf({
      models: ['forge:gpt2-tiny', 'forge:llama-tiny', 'hf:Xenova/gpt2'],
      prompts: ['Hello'],
      variants: [{ cache: false }, { cache: true }],
      engines: ['inferlab', 'transformers.js'],
      batchSizes: [1, 2],
      decoding: [{ strategy: 'greedy' }, { strategy: 'self-speculative', exitLayer: 1 }],
    });
    const messages = issues.filter((i) => i.path === 'decoding.1.strategy').map((i) => i.message);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/needs the KV cache/);
    expect(messages[1]).toMatch(/the transformers.js engine runs greedy only, not self-speculative/);
    expect(messages[2]).toMatch(/models has forge:llama-tiny/);
    expect(messages[3]).toMatch(/models has hf:Xenova\/gpt2/);
    expect(
      issues
        .filter((i) => i.path === 'batchSizes')
        .map((i) => i.message)
        .join(' '),
    ).toMatch(/also has self-speculative/);
    // Greedy in the same matrix is not blamed.
    expect(issues.some((i) => i.path.startsWith('decoding.0'))).toBe(false);
  });

  it('accept dir: models (imported GPT-2 checkpoints are checked by the worker)', () => {
    const m = parseMatrix(
      { models: ['dir:/models/gpt2-imported'], prompts: ['Hi'], decoding: [{ strategy: 'self-speculative', exitLayer: 2 }] },
      forge,
    );
    expect(m.decoding[0]).toMatchObject({ strategy: 'self-speculative', exitLayer: 2 });
  });
});
