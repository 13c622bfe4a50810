import { describe, expect, it } from 'vitest';
import { jsonShape } from './json-shape.ts';

describe('jsonShape', () => {
  it('counts fields and items, skipping strings (escaped quotes, JSON quoted in a prompt)', () => {
    const body = JSON.stringify({ models: ['a', 'b'], prompts: ['say {"a": 1, "b": [1, 2]}', 'x\\"y:'], slo: { ttftMs: 1 } });
    expect(jsonShape(body)).toMatchObject({ fields: 4, tooLarge: false });
  });

  it('stops at the limit without reading the rest', () => {
    const keys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(jsonShape(JSON.stringify(keys), { fields: 100, items: 100 })).toMatchObject({ fields: 101, tooLarge: true });
    expect(jsonShape(JSON.stringify(Array(5000).fill(1)), { fields: 100, items: 100 })).toMatchObject({ tooLarge: true });
  });

  it('a 2 MiB prompt-heavy matrix is counted in a few ms', () => {
    const prompts = Array.from({ length: 64 }, (_, i) => `${i} ${'word, "quoted": '.repeat(500)}`);
    const body = JSON.stringify({ models: ['forge:gpt2-tiny'], prompts });
    const t = performance.now();
    expect(jsonShape(body)).toMatchObject({ fields: 2, tooLarge: false });
    expect(performance.now() - t).toBeLessThan(200);
  });
});
