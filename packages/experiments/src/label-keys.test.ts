import { describe, expect, it } from 'vitest';
import { distinguishingKeys } from './label-keys.ts';

describe('distinguishingKeys', () => {
  it('names the fields that vary, reading an absent optional field as what it ran as', () => {
    const flat = [{ 'variant.kvLayout': 'concat' }, {}, { 'variant.kvLayout': 'in-place' }];
    expect(distinguishingKeys(flat, ['variant.kvLayout'])).toEqual(['variant.kvLayout']);
    // Spelled out or left out, concat is concat; the engine absent is inferlab.
    expect(distinguishingKeys([{ 'variant.kvLayout': 'concat' }, {}], ['variant.kvLayout'])).toEqual([]);
    expect(distinguishingKeys([{ engine: 'inferlab' }, {}, { a: '1' }], ['engine', 'a'])).toEqual(['a']);
  });
});
