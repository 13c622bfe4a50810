import { describe, expect, it } from 'vitest';
import { parseDistillRequest } from './distill-payloads.ts';
import { InvalidMatrixError, parseMatrix } from './matrix-schema.ts';
import { MODEL_ID_SYNTAX, mayBeInferlabGpt2, parseModelId, trainedModelId } from './model-id.ts';
import { parseStudentRequest } from './train-payloads.ts';

// The api validates ids with this parser and core's resolver parses with it too (core model-id.ts).

describe('parseModelId: trained:', () => {
  it('parses trained:<name>@<version>, the id trainedModelId writes', () => {
    const id = trainedModelId('kjv-gpt2', '20261203T100000Z-1a2b3c4d');
    expect(id).toBe('trained:kjv-gpt2@20261203T100000Z-1a2b3c4d');
    expect(parseModelId(id)).toEqual({ kind: 'trained', name: 'kjv-gpt2', version: '20261203T100000Z-1a2b3c4d' });
    expect(parseModelId('trained:x@pair_v1')).toEqual({ kind: 'trained', name: 'x', version: 'pair_v1' });
    expect(MODEL_ID_SYNTAX).toContain('trained:<name>@<version>');
  });

  it.each([
    'trained:',
    'trained:kjv',
    'trained:kjv@',
    'trained:@v1',
    'trained:Kjv@v1',
    'trained:-kjv@v1',
    'trained:kjv@..',
    'trained:kjv@.checkpoints',
    'trained:kjv@v1.tmp-12',
    'trained:kjv@v1/x',
    'trained:kjv@v1@v2',
    'trained:../etc@v1',
    'trained:kjv/x@v1',
    `trained:${'a'.repeat(64)}@v1`,
    `trained:kjv@${'v'.repeat(65)}`,
  ])('rejects %s (one path segment each, no dot folders)', (id) => {
    expect(parseModelId(id)).toBeNull();
  });

  it('is maybe an inferlab GPT-2, as dir: folders are: exit heads and layer segments may name it', () => {
    expect(mayBeInferlabGpt2('trained:kjv-gpt2@v1')).toBe(true);
    expect(mayBeInferlabGpt2('dir:/m/x')).toBe(true);
    expect(mayBeInferlabGpt2('forge:llama-tiny')).toBe(false);
  });

  it('matrices, distill requests and student teachers accept it; a malformed one is rejected with the syntax', () => {
    const id = 'trained:kjv-gpt2@20261203T100000Z-1a2b3c4d';
    expect(parseMatrix({ models: [id], prompts: ['Hello'] }, { knownForgeModels: ['gpt2-tiny'] }).models).toEqual([id]);
    expect(parseDistillRequest({ model: id, layers: [1] }).model).toBe(id);
    const student = parseStudentRequest({ kind: 'student', teacher: id, student: { firstLayers: 1 }, steps: 2 });
    expect(student.kind === 'student' && student.teacher).toBe(id);
    const err = (() => {
      try {
        parseMatrix({ models: ['trained:kjv-gpt2'], prompts: ['Hello'] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidMatrixError);
    expect(JSON.stringify((err as InvalidMatrixError).issues)).toContain('trained:<name>@<version>');
  });
});
