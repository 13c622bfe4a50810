import { describe, expect, it } from 'vitest';
import { DTYPES } from './cell-config.ts';
import { matrixCellIssues } from './cell-rules/matrix-cell-issues.ts';
import { expandMatrix } from './expand.ts';
import { InvalidMatrixError, type MatrixSchemaOptions, parseMatrix } from './matrix-schema.ts';

const minimal = { models: ['forge:gpt2-tiny'], prompts: ['Hello'] };
const forge: MatrixSchemaOptions = { knownForgeModels: ['gpt2-tiny', 'gpt2-small'] };

function issuesOf(input: unknown, options: MatrixSchemaOptions = {}) {
  try {
    parseMatrix(input, options);
  } catch (err) {
    if (err instanceof InvalidMatrixError) return err.issues;
    throw err;
  }
  throw new Error('expected the matrix to be rejected');
}

describe('parseMatrix', () => {
  it('fills defaults', () => {
    const m = parseMatrix(minimal, forge);
    expect(m).toMatchObject({
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: true }],
      decoding: [{ strategy: 'greedy' }],
      prompts: ['Hello'],
      maxNewTokens: [40],
      batchSizes: [1],
      devices: ['cpu'],
      threads: [0],
      repetitions: 5,
      warmup: 1,
    });
    expect(m.name).toMatch(/^experiment \d{4}-/);
    expect(parseMatrix({ ...minimal, variants: [{ dtype: 'int8' }] }).variants).toEqual([{ dtype: 'int8', cache: true }]);
  });

  it('accepts hf: and dir: ids and every documented field', () => {
    const m = parseMatrix(
      {
        name: 'seed',
        models: ['forge:gpt2-small', 'hf:Xenova/distilgpt2', 'dir:/models/my-gpt2'],
        variants: [
          { dtype: 'fp32', cache: false },
          { dtype: 'fp32', cache: true },
          { dtype: 'int8', cache: true },
        ],
        decoding: [{ strategy: 'greedy' }],
        prompts: ['a', 'b'],
        maxNewTokens: [16, 40],
        batchSizes: [1],
        devices: ['cpu', 'cuda'],
        threads: [1, 2],
        repetitions: 3,
        warmup: 0,
      },
      forge,
    );
    expect(m.name).toBe('seed');
    expect(m.models).toHaveLength(3);
  });

  it('accepts every weight variant of the registry as a dtype', () => {
    const variants = DTYPES.map((dtype) => ({ dtype }));
    expect(DTYPES).toHaveLength(14);
    expect(parseMatrix({ ...minimal, variants }).variants.map((v) => [v.dtype, v.cache])).toEqual(DTYPES.map((dtype) => [dtype, true]));
  });

  it('names the field and the allowed values for a wrong enum', () => {
    const listed = DTYPES.map((d) => JSON.stringify(d)).join(' | ');
    expect(listed).toContain('"int8-asym-per-tensor" | "uint8" | "uint8-per-tensor" | "q8" | "q8-b64"');
    expect(issuesOf({ ...minimal, variants: [{ dtype: 'bf16' }] })).toEqual([
      { path: 'variants.0.dtype', message: `expected one of ${listed}, got "bf16"` },
    ]);
    // A near miss (snake case for the block size) also gets the name it most likely meant.
    expect(issuesOf({ ...minimal, variants: [{ dtype: 'fp32' }, { dtype: 'q4_b64' }] })).toEqual([
      { path: 'variants.1.dtype', message: `expected one of ${listed}, got "q4_b64"; did you mean "q4-b64"?` },
    ]);
    expect(issuesOf({ ...minimal, devices: ['tpu'] })[0]).toEqual({
      path: 'devices.0',
      message: 'expected one of "cpu" | "cuda", got "tpu"; did you mean "cpu"?',
    });
  });

  it('suggests the intended field for a typo and lists known fields otherwise', () => {
    expect(issuesOf({ ...minimal, max_new_tokens: [40] })).toEqual([
      { path: 'max_new_tokens', message: 'unknown field max_new_tokens; did you mean maxNewTokens?' },
    ]);
    expect(issuesOf({ ...minimal, variants: [{ dtype: 'int8', cahce: true }] })).toEqual([
      { path: 'variants.0.cahce', message: 'unknown field cahce; did you mean cache?' },
    ]);
    const [issue] = issuesOf({ ...minimal, colour: 'blue' });
    expect(issue?.path).toBe('colour');
    expect(issue?.message).toMatch(/^unknown field colour; known fields: name, models, variants/);
  });

  it('reports missing, negative, fractional and out-of-range values with the fix', () => {
    expect(issuesOf({ models: ['forge:gpt2-tiny'] })).toEqual([{ path: 'prompts', message: 'required field is missing' }]);
    expect(issuesOf({ ...minimal, repetitions: -1 })).toEqual([{ path: 'repetitions', message: 'must be at least 1, got -1' }]);
    expect(issuesOf({ ...minimal, repetitions: 2.5 })).toEqual([{ path: 'repetitions', message: 'expected an integer, got 2.5' }]);
    expect(issuesOf({ ...minimal, maxNewTokens: [4096] })).toEqual([{ path: 'maxNewTokens.0', message: 'must be at most 2048, got 4096' }]);
    expect(issuesOf({ ...minimal, prompts: [] })).toEqual([{ path: 'prompts', message: 'must have at least 1 item, got 0' }]);
    expect(issuesOf({ ...minimal, prompts: [''] })).toEqual([{ path: 'prompts.0', message: 'must not be empty' }]);
    expect(issuesOf({ ...minimal, warmup: '1' })).toEqual([{ path: 'warmup', message: 'expected a number, got "1"' }]);
  });

  it('leaves what runs together to the cell rules (cell-rules/), checked on the expanded cells', () => {
    const m = parseMatrix({ ...minimal, batchSizes: [1, 4], decoding: [{ strategy: 'greedy' }, { strategy: 'beam' }] });
    expect(m.batchSizes).toEqual([1, 4]);
    expect(matrixCellIssues(m, expandMatrix('e', m))).toEqual([
      {
        path: 'batchSizes',
        message:
          'batch sizes above 1 run greedy or sample only, and the matrix also has beam; submit those with batchSizes [1] in another experiment',
      },
    ]);
  });

  it('validates model id syntax and, when given, forge names', () => {
    expect(issuesOf({ ...minimal, models: ['gpt2'] })).toEqual([
      {
        path: 'models.0',
        message: 'invalid model id "gpt2": expected forge:<name>, hf:<org>/<name>[@<revision>], dir:<path> or trained:<name>@<version>',
      },
    ]);
    expect(issuesOf({ ...minimal, models: ['hf:gpt2'] })[0]?.path).toBe('models.0');
    expect(issuesOf({ ...minimal, models: ['forge:gpt2-huge'] }, forge)).toEqual([
      { path: 'models.0', message: 'unknown forge model "gpt2-huge"; known forge models: gpt2-tiny, gpt2-small' },
    ]);
    // Without a list of names only the syntax is checked.
    expect(parseMatrix({ ...minimal, models: ['forge:gpt2-huge'] }).models).toEqual(['forge:gpt2-huge']);
  });

  it('rejects duplicates, which would make two cells with one id', () => {
    expect(issuesOf({ ...minimal, devices: ['cpu', 'cpu'] })).toEqual([
      { path: 'devices.1', message: 'duplicate of item 0; list each value once' },
    ]);
    expect(issuesOf({ ...minimal, variants: [{ dtype: 'int8' }, { dtype: 'int8', cache: true }] })[0]?.path).toBe('variants.1');
  });

  it('reports every issue at once, with a readable summary', () => {
    try {
      parseMatrix({ models: [], prompts: ['x'], variants: [{ dtype: 'bf16' }], repetitions: 0 });
      expect.unreachable();
    } catch (err) {
      const e = err as InvalidMatrixError;
      expect(e.issues.map((i) => i.path)).toEqual(['models', 'variants.0.dtype', 'repetitions']);
      expect(e.message).toBe(
        `invalid matrix: models: must have at least 1 item, got 0; variants.0.dtype: expected one of ${DTYPES.map((d) => JSON.stringify(d)).join(' | ')}, got "bf16"; repetitions: must be at least 1, got 0`,
      );
    }
  });

  it('rejects a body that is not an object', () => {
    expect(issuesOf([1, 2])).toEqual([{ path: '', message: 'expected an object, got an array' }]);
    expect(issuesOf(null)).toEqual([{ path: '', message: 'expected an object, got null' }]);
  });
});
