import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.ts';

const fields = ['name', 'models', 'variants', 'prompts', 'maxNewTokens', 'batchSizes', 'repetitions', 'warmup'];

describe('didYouMean', () => {
  it('maps snake_case, case and plural slips to the field', () => {
    expect(didYouMean('max_new_tokens', fields)).toBe('maxNewTokens');
    expect(didYouMean('MaxNewTokens', fields)).toBe('maxNewTokens');
    expect(didYouMean('model', fields)).toBe('models');
    expect(didYouMean('batch_size', fields)).toBe('batchSizes');
  });

  it('counts a swap of adjacent letters as one typo', () => {
    expect(didYouMean('cahce', ['dtype', 'cache'])).toBe('cache');
    expect(didYouMean('reptitions', fields)).toBe('repetitions');
  });

  it('suggests nothing for an unrelated word', () => {
    expect(didYouMean('colour', fields)).toBeNull();
    expect(didYouMean('x', fields)).toBeNull();
  });
});
