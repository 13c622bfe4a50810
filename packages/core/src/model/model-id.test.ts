import { describe, expect, it } from 'vitest';
import { InvalidModelIdError, parseModelId } from './model-id.ts';

describe('parseModelId', () => {
  it('parses the three schemes', () => {
    expect(parseModelId('forge:gpt2-tiny')).toEqual({ kind: 'forge', name: 'gpt2-tiny' });
    expect(parseModelId('hf:Xenova/gpt2')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: null });
    expect(parseModelId('hf:Xenova/gpt2@v1.0')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: 'v1.0' });
    expect(parseModelId('hf:Xenova/gpt2@refs/pr/3')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: 'refs/pr/3' });
    expect(parseModelId('dir:/models/x')).toEqual({ kind: 'dir', path: '/models/x' });
  });

  it.each([
    'gpt2',
    'forge:',
    'forge:GPT2',
    'hf:gpt2',
    'hf:a/b/c',
    'hf:../etc',
    'hf:a/b@',
    'hf:a/b@x/../y',
    'hf:a/b@x y',
    'dir:',
    's3:bucket/x',
  ])('rejects %s with a hint', (id) => {
    expect(() => parseModelId(id)).toThrow(InvalidModelIdError);
    expect(() => parseModelId(id)).toThrow(/forge:|hf:|dir:/);
  });
});
