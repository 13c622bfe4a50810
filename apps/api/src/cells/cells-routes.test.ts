import { createExperiment, recordCellResult } from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticCellResult } from '../../../../test/helpers/synthetic-result.ts';
import { type AppFixture, createAppFixture, get } from '../test-harness.ts';

let f: AppFixture;
beforeEach(() => {
  f = createAppFixture(null);
});
afterEach(() => f.close());

function seedCells() {
  const matrix = parseMatrix({
    models: ['forge:gpt2-tiny'],
    variants: [{ dtype: 'int8' }, { dtype: 'fp32' }],
    prompts: ['a', 'b'],
    repetitions: 2,
  });
  const cells = expandMatrix('exp', matrix);
  createExperiment(f.db, { id: 'exp', name: 'cells', matrix, cells });
  return cells;
}

describe('GET /v1/cells/:id', () => {
  it('shows a queued cell and, once recorded, its model, environment and memory', async () => {
    const [done, queued] = seedCells();
    recordCellResult(f.db, syntheticCellResult({ cellId: done!.id, experimentId: 'exp', config: done!.config }));

    const q = await get(f.app, `/v1/cells/${queued!.id}`);
    expect(q.status).toBe(200);
    expect(q.json).toMatchObject({
      id: queued!.id,
      experimentId: 'exp',
      index: 1,
      status: 'queued',
      attempt: 0,
      model: null,
      environment: null,
    });
    expect(q.json.config).not.toHaveProperty('prompts'); // the experiment's, shown once there

    const d = await get(f.app, `/v1/cells/${done!.id}`);
    expect(d.json).toMatchObject({
      id: done!.id,
      status: 'done',
      attempt: 1,
      workerId: 'worker-test',
      model: { file: 'onnx/model_int8.onnx', fileBytes: 3.5 * 2 ** 20, paramCount: 1000 },
      memory: { peakRssBytes: 123_456_789, kvCacheBytes: 4096 },
      wallMs: 196,
      metricsVersion: '1',
    });
    expect(d.json.environment.executionProvider).toBe('cpu');
  });

  it('returns the raw token timeline of every request', async () => {
    const [cell] = seedCells();
    recordCellResult(f.db, syntheticCellResult({ cellId: cell!.id, experimentId: 'exp', config: cell!.config }));
    const res = await get(f.app, `/v1/cells/${cell!.id}/tokens`);
    expect(res.status).toBe(200);
    expect(res.json.cellId).toBe(cell!.id);
    expect(res.json.requests).toHaveLength(4);
    expect(res.json.requests[3]).toEqual({
      repetition: 1,
      promptIndex: 1,
      promptTokens: 5,
      tokenizeMs: 1,
      startedAt: 140,
      stopReason: 'length',
      events: [
        { t: 16, n: 1 },
        { t: 56, n: 1 },
      ],
    });
  });

  it('answers 404 with a clear message for an unknown id', async () => {
    expect(await get(f.app, '/v1/cells/deadbeef')).toEqual({
      status: 404,
      json: { error: 'not_found', message: 'no cell with id "deadbeef"' },
    });
    expect((await get(f.app, '/v1/cells/deadbeef/tokens')).status).toBe(404);
  });
});
