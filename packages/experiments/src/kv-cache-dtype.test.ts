import { describe, expect, it } from 'vitest';
import { expandMatrix } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';
import { matrixIssuesOf } from './testing/matrix-issues-of.ts';

const base = { models: ['forge:gpt2-tiny'], prompts: ['a'] };
const issuesOf = (input: unknown) => matrixIssuesOf(input);

describe('variants[].kvCacheDtype', () => {
  it('defaults to fp32, which cells leave out (their ids do not change); int8 is carried to the cell', () => {
    const m = parseMatrix({
      ...base,
      variants: [{ dtype: 'fp32' }, { dtype: 'fp32', kvCacheDtype: 'int8' }, { dtype: 'int8', kvCacheDtype: 'int8' }],
    });
    expect(m.variants.map((v) => v.kvCacheDtype)).toEqual([undefined, 'int8', 'int8']);
    const explicit = expandMatrix('e1', parseMatrix({ ...base, variants: [{ dtype: 'fp32', kvCacheDtype: 'fp32' }] }));
    const cells = expandMatrix('e1', m);
    expect(cells.map((c) => c.config.variant)).toEqual([
      { dtype: 'fp32', cache: true, kvLayout: 'in-place' },
      { dtype: 'fp32', cache: true, kvCacheDtype: 'int8', kvLayout: 'in-place' },
      { dtype: 'int8', cache: true, kvCacheDtype: 'int8', kvLayout: 'in-place' },
    ]);
    const plain = expandMatrix('e1', parseMatrix({ ...base, variants: [{ dtype: 'fp32', cache: true }] }));
    expect(plain[0]?.id).toBe(cells[0]?.id);
    expect(explicit[0]?.id).toBe(cells[0]?.id);
    // Spelled out and left out are one variant: listing both would be two cells with one id.
    expect(issuesOf({ ...base, variants: [{ dtype: 'fp32' }, { dtype: 'fp32', kvCacheDtype: 'fp32' }] })).toEqual([
      { path: 'variants.1', message: expect.stringMatching(/same variant as item 0/) },
    ]);
  });

  it('names the field and the fix for every combination that cannot run', () => {
    expect(issuesOf({ ...base, variants: [{ kvCacheDtype: 'int4' }] })).toEqual([
      { path: 'variants.0.kvCacheDtype', message: 'expected one of "fp32" | "int8", got "int4"; did you mean "int8"?' },
    ]);
    const noCache = issuesOf({ ...base, variants: [{ cache: false, kvCacheDtype: 'int8' }] });
    expect(noCache).toEqual([{ path: 'variants.0.kvCacheDtype', message: expect.stringMatching(/needs the KV cache; set cache: true/) }]);
    const q4 = issuesOf({ ...base, variants: [{ dtype: 'fp32' }, { dtype: 'q4', kvCacheDtype: 'int8' }] });
    expect(q4).toEqual([{ path: 'variants.1.kvCacheDtype', message: expect.stringMatching(/fp32 or int8 weights, not q4/) }]);
    const tjs = issuesOf({ ...base, engines: ['inferlab', 'transformers.js'], variants: [{ kvCacheDtype: 'int8' }] });
    expect(tjs).toEqual([{ path: 'variants.0.kvCacheDtype', message: expect.stringMatching(/inferlab engine only/) }]);
    const hf = issuesOf({ ...base, models: ['forge:gpt2-tiny', 'hf:Xenova/gpt2'], variants: [{ kvCacheDtype: 'int8' }] });
    expect(hf).toEqual([
      { path: 'variants.0.kvCacheDtype', message: expect.stringMatching(/forge-built graph, and models has hf:Xenova\/gpt2/) },
    ]);
    const exits = issuesOf({
      ...base,
      decoding: [{ strategy: 'greedy' }, { strategy: 'early-exit', exitLayers: [1] }],
      variants: [{ kvCacheDtype: 'int8' }],
    });
    expect(exits).toEqual([{ path: 'variants.0.kvCacheDtype', message: expect.stringMatching(/does not run early-exit/) }]);
    // The same combinations with the fp32 cache are fine (transformers.js always keeps its cache: engine limits).
    expect(issuesOf({ ...base, models: ['hf:Xenova/gpt2'], engines: ['transformers.js'], variants: [{ dtype: 'q4' }] })).toEqual([]);
  });
});
