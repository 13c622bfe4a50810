import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../expand.ts';
import { InvalidMatrixError, parseMatrix } from '../matrix-schema.ts';
import { assertCellsRun, matrixCellIssues } from './matrix-cell-issues.ts';

const base = { models: ['forge:gpt2-tiny'], prompts: ['a'] };
const issuesOf = (input: unknown) => {
  const m = parseMatrix(input);
  return matrixCellIssues(m, expandMatrix('e', m));
};

describe('matrixCellIssues', () => {
  it('names the matrix entry of an object axis and the list of a value axis, each issue once, in cell order', () => {
    const issues = issuesOf({
      ...base,
      variants: [{ dtype: 'fp32' }, { dtype: 'q4', kvCacheDtype: 'int8' }],
      batchSizes: [1, 2, 4],
      decoding: [{ strategy: 'greedy' }, { strategy: 'beam' }],
      maxNewTokens: [4, 8],
    });
    expect(issues).toEqual([
      { path: 'batchSizes', message: expect.stringMatching(/the matrix also has beam/) },
      { path: 'variants.1.kvCacheDtype', message: expect.stringMatching(/not q4/) },
    ]);
  });

  it('blames the strategy entry, not the others in the same matrix', () => {
    const issues = issuesOf({
      ...base,
      engines: ['inferlab', 'transformers.js'],
      decoding: [{ strategy: 'greedy' }, { strategy: 'sample' }],
      scenarios: [{ kind: 'single-stream' }, { kind: 'offline' }],
    });
    expect(issues).toEqual([
      { path: 'scenarios.1.kind', message: expect.stringMatching(/offline scenario runs on the inferlab engine only/) },
      { path: 'decoding.1.strategy', message: expect.stringMatching(/transformers.js engine runs greedy only, not sample/) },
    ]);
  });

  it('blames the variant whose dtype llama.cpp has no file for', () => {
    const issues = issuesOf({
      ...base,
      engines: ['inferlab', 'llama.cpp'],
      variants: [{ dtype: 'q8' }, { dtype: 'int8' }, { dtype: 'q4' }],
    });
    expect(issues).toEqual([{ path: 'variants.1.dtype', message: expect.stringMatching(/llama.cpp engine has no file for dtype int8/) }]);
  });

  it('assertCellsRun throws the InvalidMatrixError the api answers with 400', () => {
    const m = parseMatrix({ ...base, engines: ['transformers.js'], decoding: [{ strategy: 'sample' }] });
    expect(() => assertCellsRun(m, expandMatrix('e', m))).toThrow(InvalidMatrixError);
    expect(() => assertCellsRun(m, expandMatrix('e', m))).toThrow(/^invalid matrix: decoding\.0\.strategy: the transformers\.js engine/);
    const ok = parseMatrix(base);
    expect(() => assertCellsRun(ok, expandMatrix('e', ok))).not.toThrow();
  });
});
