import { parseModelId as parseModelIdSyntax } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { InvalidModelIdError, parseModelId } from './model-id.ts';

describe('parseModelId', () => {
  it('parses the four schemes', () => {
    expect(parseModelId('forge:gpt2-tiny')).toEqual({ kind: 'forge', name: 'gpt2-tiny' });
    expect(parseModelId('hf:Xenova/gpt2')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: null });
    expect(parseModelId('hf:Xenova/gpt2@v1.0')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: 'v1.0' });
    expect(parseModelId('hf:Xenova/gpt2@refs/pr/3')).toEqual({ kind: 'hf', repo: 'Xenova/gpt2', revision: 'refs/pr/3' });
    expect(parseModelId('dir:/models/x')).toEqual({ kind: 'dir', path: '/models/x' });
    expect(parseModelId('trained:kjv-gpt2@20261203T100000Z-1a2b3c4d')).toEqual({
      kind: 'trained',
      name: 'kjv-gpt2',
      version: '20261203T100000Z-1a2b3c4d',
    });
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
    'trained:',
    'trained:kjv-gpt2',
    'trained:kjv-gpt2@',
    'trained:@v1',
    'trained:KJV@v1',
    'trained:kjv@..',
    'trained:kjv@.checkpoints',
    'trained:kjv@v1/x',
    'trained:kjv@v1@v2',
    'trained:../etc@v1',
  ])('rejects %s with a hint', (id) => {
    expect(() => parseModelId(id)).toThrow(InvalidModelIdError);
    expect(() => parseModelId(id)).toThrow(/forge:|hf:|dir:|trained:/);
  });

  it('a trained: id with a bad name or version shows the syntax and an example', () => {
    expect(() => parseModelId('trained:kjv')).toThrow(/expected trained:<name>@<version> .*e\.g\. trained:kjv-gpt2@/);
  });

  it('accepts exactly the ids the api accepts (experiments’ parser)', () => {
    const ids = ['forge:gpt2-tiny', 'hf:a/b@c', 'dir:/x', 'trained:a@b', 'trained:a', 'trained:a@b/c', 'x:y', 'forge:A', 'hf:a'];
    for (const id of ids) {
      const api = parseModelIdSyntax(id);
      if (api === null) expect(() => parseModelId(id), id).toThrow(InvalidModelIdError);
      else expect(parseModelId(id).kind, id).toBe(api.kind);
    }
  });
});
