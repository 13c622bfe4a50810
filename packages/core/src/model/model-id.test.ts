import { describe, expect, it } from 'vitest';
import { InvalidModelIdError, parseModelId } from './model-id.ts';

describe('parseModelId', () => {
  it('parses the three schemes', () => {
    expect(parseModelId('forge:gpt2-tiny')).toEqual({ kind: 'forge', name: 'gpt2-tiny' });
    expect(parseModelId('hf:Xenova/gpt2')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2' });
    expect(parseModelId('dir:/models/x')).toEqual({ kind: 'dir', path: '/models/x' });
  });

  it.each(['gpt2', 'forge:', 'forge:GPT2', 'hf:gpt2', 'hf:a/b/c', 'hf:../etc', 'dir:', 's3:bucket/x'])('rejects %s with a hint', (id) => {
    expect(() => parseModelId(id)).toThrow(InvalidModelIdError);
    expect(() => parseModelId(id)).toThrow(/forge:|hf:|dir:/);
  });
});
