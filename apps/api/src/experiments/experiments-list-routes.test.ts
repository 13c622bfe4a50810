import { createExperiment } from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, get } from '../test-harness.ts';

let f: AppFixture;
beforeEach(() => {
  f = createAppFixture(null);
  for (let i = 0; i < 5; i++) {
    const matrix = parseMatrix({ name: `run ${i}`, models: [i % 2 ? 'forge:gpt2-small' : 'forge:gpt2-tiny'], prompts: [`prompt ${i}`] });
    createExperiment(f.db, {
      id: `e${i}`,
      name: matrix.name,
      matrix,
      cells: expandMatrix(`e${i}`, matrix),
      createdAt: `2026-12-01T10:0${i}:00.000Z`,
    });
  }
});
afterEach(() => f.close());

describe('GET /v1/experiments (list)', () => {
  it('pages newest first and filters by model, name and prompt', async () => {
    const first = await get(f.app, '/v1/experiments?limit=2');
    expect(first.json.experiments.map((e: { id: string }) => e.id)).toEqual(['e4', 'e3']);
    expect(first.json.experiments[0]).toMatchObject({ models: ['forge:gpt2-tiny'], progress: { total: 1, queued: 1 }, durationMs: null });
    const second = await get(f.app, `/v1/experiments?limit=2&cursor=${first.json.nextCursor}`);
    expect(second.json.experiments.map((e: { id: string }) => e.id)).toEqual(['e2', 'e1']);
    expect((await get(f.app, '/v1/experiments?model=forge:gpt2-small')).json.experiments.map((e: { id: string }) => e.id)).toEqual([
      'e3',
      'e1',
    ]);
    expect((await get(f.app, '/v1/experiments?name=RUN%202')).json.experiments.map((e: { id: string }) => e.id)).toEqual(['e2']);
    expect((await get(f.app, '/v1/experiments?prompt=prompt%204')).json.experiments.map((e: { id: string }) => e.id)).toEqual(['e4']);
  });

  it('names the query field that is wrong', async () => {
    expect((await get(f.app, '/v1/experiments?status=finished')).json.message).toMatch(/^status: expected queued/);
    expect((await get(f.app, '/v1/experiments?limit=9999')).json.message).toMatch(/^limit: expected an integer/);
    expect((await get(f.app, '/v1/experiments?cursor=xyz')).json.message).toMatch(/^cursor: not a cursor/);
  });
});
