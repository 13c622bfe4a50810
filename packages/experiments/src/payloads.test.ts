import { describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { expandMatrix } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';
import { cellResultSchema, resultMessageSchema } from './payloads.ts';

const [cell] = expandMatrix('e', parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], repetitions: 2 }));
const result = syntheticCellResult({ cellId: cell!.id, experimentId: 'e', config: cell!.config });

describe('payload schemas', () => {
  it('accept a well-formed cell result, alone and as a message', () => {
    expect(cellResultSchema.parse(result)).toEqual(result);
    expect(resultMessageSchema.parse({ kind: 'cell-result', ...result })).toEqual({ kind: 'cell-result', ...result });
  });

  it('reject token events that disagree with the output tokens or go back in time', () => {
    const [first, ...rest] = result.requests;
    const miscounted = { ...first!, outputTokenIds: [1] };
    const backwards = {
      ...first!,
      events: [
        { t: 10, n: 1 },
        { t: 5, n: 1 },
        { t: 30, n: 1 },
      ],
    };
    const issues = cellResultSchema.safeParse({ ...result, requests: [miscounted, backwards, ...rest] }).error?.issues ?? [];
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['requests.0.events', 'token events carry 3 tokens but outputTokenIds has 1'],
      ['requests.1.events.1.t', 'event times must not decrease (5 < 10)'],
      ['requests.1', 'repetition 0 of prompt 0 appears twice'],
    ]);
    expect(cellResultSchema.safeParse({ ...result, requests: [{ ...first!, events: [], outputTokenIds: [] }] }).success).toBe(false);
  });

  it('reject an unknown message kind and a non-ISO time', () => {
    expect(resultMessageSchema.safeParse({ kind: 'cell-exploded', cellId: 'c' }).success).toBe(false);
    const started = { kind: 'cell-started', cellId: 'c', experimentId: 'e', attempt: 1, workerId: 'w' };
    expect(resultMessageSchema.safeParse({ ...started, at: '2025-01-01T00:00:00.000Z' }).success).toBe(true);
    expect(resultMessageSchema.safeParse({ ...started, at: 1735689600000 }).success).toBe(false);
  });
});
