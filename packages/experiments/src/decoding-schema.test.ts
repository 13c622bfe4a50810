import { describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { matrixCellIssues } from './cell-rules/matrix-cell-issues.ts';
import { expandMatrix } from './expand.ts';
import { InvalidMatrixError, parseMatrix } from './matrix-schema.ts';
import { cellResultSchema, requestRecordSchema } from './payloads.ts';

const minimal = { models: ['forge:gpt2-tiny'], prompts: ['Hello'] };
const forge = { knownForgeModels: ['gpt2-tiny', 'gpt2-tiny-draft1'] };
const issuesOf = (input: unknown) => {
  try {
    parseMatrix(input, forge);
  } catch (err) {
    if (err instanceof InvalidMatrixError) return err.issues;
    throw err;
  }
  throw new Error('expected the matrix to be rejected');
};

describe('the decoding axis', () => {
  it('fills every strategy parameter, so a cell config (and its id) says exactly what ran', () => {
    const m = parseMatrix(
      {
        ...minimal,
        decoding: [
          { strategy: 'greedy' },
          { strategy: 'sample', temperature: 0.7, topP: 0.9, seed: 3 },
          { strategy: 'beam' },
          { strategy: 'speculative', draft: 'forge:gpt2-tiny-draft1' },
          { strategy: 'prompt-lookup' },
        ],
      },
      forge,
    );
    expect(m.decoding).toEqual([
      { strategy: 'greedy' },
      { strategy: 'sample', temperature: 0.7, topK: 0, topP: 0.9, repetitionPenalty: 1, seed: 3 },
      { strategy: 'beam', numBeams: 4, lengthPenalty: 1, earlyStopping: false },
      { strategy: 'speculative', draft: 'forge:gpt2-tiny-draft1', k: 4, adaptiveK: false, verification: 'greedy' },
      { strategy: 'prompt-lookup', ngram: 3, k: 4 },
    ]);
    const cells = expandMatrix('e1', m);
    expect(cells).toHaveLength(5);
    expect(new Set(cells.map((c) => c.id)).size).toBe(5);
  });

  it('names the field and the fix: unknown strategy, bad parameter, unknown draft, unknown field', () => {
    expect(issuesOf({ ...minimal, decoding: [{ strategy: 'nucleus' }] })).toEqual([
      {
        path: 'decoding.0.strategy',
        message:
          'expected strategy to be one of "greedy" | "sample" | "beam" | "speculative" | "prompt-lookup" | "early-exit" | "self-speculative", got "nucleus"',
      },
    ]);
    expect(issuesOf({ ...minimal, decoding: [{ strategy: 'sample', topP: 1.5 }] })[0]).toEqual({
      path: 'decoding.0.topP',
      message: 'must be at most 1, got 1.5',
    });
    expect(issuesOf({ ...minimal, decoding: [{ strategy: 'speculative', draft: 'forge:nope' }] })[0]).toEqual({
      path: 'decoding.0.draft',
      message: 'unknown forge model "nope"; known forge models: gpt2-tiny, gpt2-tiny-draft1',
    });
    expect(issuesOf({ ...minimal, decoding: [{ strategy: 'beam', num_beams: 2 }] })[0]?.message).toMatch(/did you mean numBeams\?/);
    expect(issuesOf({ ...minimal, decoding: [{ strategy: 'speculative' }] })[0]?.path).toBe('decoding.0.draft');
  });

  it('batch sizes above 1 need greedy or sample and the KV cache (cell rules), at most 64', () => {
    const m = parseMatrix({ ...minimal, batchSizes: [4], variants: [{ cache: false }] }, forge);
    expect(matrixCellIssues(m, expandMatrix('e', m))).toEqual([
      { path: 'batchSizes', message: 'batch sizes above 1 need the KV cache; drop variants with cache: false or use batchSizes [1]' },
    ]);
    expect(parseMatrix({ ...minimal, batchSizes: [1, 2, 8], decoding: [{ strategy: 'sample' }] }).batchSizes).toEqual([1, 2, 8]);
    expect(issuesOf({ ...minimal, batchSizes: [65] })[0]?.path).toBe('batchSizes.0');
  });

  it('request records may carry strategy stats, which must be consistent', () => {
    const base = {
      repetition: 0,
      promptIndex: 0,
      promptTokens: 3,
      tokenizeMs: 0.1,
      events: [
        { t: 1, n: 3 },
        { t: 2, n: 2 },
      ],
      outputTokenIds: [1, 2, 3, 4, 5],
      text: 'x',
      startedAt: 0,
      stopReason: 'length',
    };
    const ok = requestRecordSchema.parse({ ...base, strategyStats: { targetForwards: 2, draftTokens: 8, acceptedTokens: 3 } });
    expect(ok.strategyStats).toEqual({ targetForwards: 2, draftTokens: 8, acceptedTokens: 3 });
    expect(
      requestRecordSchema.safeParse({ ...base, strategyStats: { targetForwards: 2, draftTokens: 2, acceptedTokens: 3 } }).success,
    ).toBe(false);
    expect(requestRecordSchema.parse(base).strategyStats).toBeUndefined();
    // A cell result checks each of its requests with the same rule: the bad stats fail it too, at their path.
    const [cell] = expandMatrix('exp', parseMatrix(minimal, forge));
    const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'exp', config: cell!.config });
    expect(cellResultSchema.safeParse(result).success).toBe(true);
    const bad = { ...base, strategyStats: { targetForwards: 2, draftTokens: 2, acceptedTokens: 3 } };
    const parsed = cellResultSchema.safeParse({ ...result, requests: [...result.requests, bad] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['requests', result.requests.length, 'strategyStats']);
  });
});
