import { describe, expect, it } from 'vitest';
import { cellConfigSchema } from './cell-config.ts';
import { expandMatrix } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';
import { matrixIssuesOf } from './testing/matrix-issues-of.ts';

const base = { models: ['forge:gpt2-tiny'], prompts: ['a'] };
const issuesOf = (input: unknown) => matrixIssuesOf(input);
const layouts = (input: unknown) => expandMatrix('e', parseMatrix(input)).map((c) => c.config.variant.kvLayout ?? 'absent');

describe('variants[].kvLayout', () => {
  it('auto (the default) is in-place for our engine on a forge model with a float32 cache on the CPU, and absent (concat) elsewhere', () => {
    expect(layouts({ ...base, engines: ['inferlab', 'transformers.js', 'llama.cpp'] })).toEqual(['in-place', 'absent', 'absent']);
    // A hub export (hf:, or a dir: that may hold one) is rewritten, which may refuse its graph: in place only when asked for.
    expect(layouts({ ...base, models: ['forge:llama-tiny', 'trained:kjv@v1', 'dir:/models/x', 'hf:openai-community/gpt2'] })).toEqual([
      'in-place',
      'in-place',
      'absent',
      'absent',
    ]);
    expect(layouts({ ...base, variants: [{ cache: false }, { kvCacheDtype: 'int8' }, { dtype: 'q4' }] })).toEqual([
      'absent',
      'in-place',
      'in-place',
    ]);
    // The int8 cache in place is built for GPT-2 graphs only.
    expect(layouts({ ...base, models: ['forge:llama-tiny'], variants: [{ kvCacheDtype: 'int8' }] })).toEqual(['absent']);
    expect(layouts({ ...base, decoding: [{ strategy: 'early-exit', exitLayers: [1] }, { strategy: 'beam' }] })).toEqual([
      'absent',
      'in-place',
    ]);
    expect(layouts({ ...base, devices: ['cuda'] })).toEqual(['absent']);
    expect(layouts({ ...base, variants: [{ kvLayout: 'auto' }] })).toEqual(['in-place']);
  });

  it('carries an explicit choice, so concat and in-place cells of one model sit side by side with distinct ids', () => {
    const cells = expandMatrix('e', parseMatrix({ ...base, variants: [{ kvLayout: 'concat' }, { kvLayout: 'in-place' }] }));
    expect(cells.map((c) => c.config.variant)).toEqual([
      { dtype: 'fp32', cache: true, kvLayout: 'concat' },
      { dtype: 'fp32', cache: true, kvLayout: 'in-place' },
    ]);
    expect(cells[0]?.id).not.toBe(cells[1]?.id);
    // "auto" and "in-place" are one cell on a forge model and two on a folder: refused only where they coincide.
    expect(issuesOf({ ...base, variants: [{ kvLayout: 'concat' }, { kvLayout: 'auto' }] })).toEqual([]);
    expect(
      issuesOf({ ...base, models: ['dir:/models/x', 'forge:gpt2-tiny'], variants: [{ kvLayout: 'in-place' }, { kvLayout: 'auto' }] }),
    ).toEqual([
      { path: 'variants.1', message: 'same cell as item 0 for forge:gpt2-tiny (kvLayout "auto" is "in-place" there); list it once' },
    ]);
  });

  it('refuses in-place where it cannot run, naming the field and the fix', () => {
    // A hub model may ask for it (its graph is rewritten by the worker); a forge name that is no decoder may not.
    expect(issuesOf({ ...base, models: ['hf:openai-community/gpt2'], variants: [{ kvLayout: 'in-place' }] })).toEqual([]);
    expect(layouts({ ...base, models: ['hf:openai-community/gpt2'], variants: [{ kvLayout: 'in-place' }] })).toEqual(['in-place']);
    expect(
      issuesOf({ ...base, models: ['hf:openai-community/gpt2'], variants: [{ kvLayout: 'in-place', kvCacheDtype: 'int8' }] }).map(
        (i) => i.path,
      ),
    ).toEqual(['variants.0.kvCacheDtype', 'variants.0.kvLayout']);
    const issues = issuesOf({ ...base, engines: ['transformers.js'], variants: [{ cache: false, kvLayout: 'in-place' }] });
    expect(issues.map((i) => i.path)).toEqual(['variants.0.kvLayout', 'variants.0.kvLayout', 'variants.0.cache']);
    expect(issues.map((i) => i.message).join('\n')).toMatch(/inferlab engine[\s\S]*cache: true/);
    expect(issuesOf({ ...base, variants: [{ kvLayout: 'paged' }] })).toEqual([
      { path: 'variants.0.kvLayout', message: expect.stringMatching(/expected one of "auto" \| "concat" \| "in-place", got "paged"/) },
    ]);
  });

  it('reads cells stored before the axis existed as concat (absent), unchanged', () => {
    const stored = { ...expandMatrix('e', parseMatrix({ ...base, devices: ['cuda'] }))[0]?.config };
    expect(cellConfigSchema.parse(stored).variant).toEqual({ dtype: 'fp32', cache: true });
  });
});
