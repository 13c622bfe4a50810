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

describe('outputs', () => {
  it('serves each request text (markup stays text) and the per-prompt comparison with fp32', async () => {
    const matrix = parseMatrix({
      models: ['forge:gpt2-tiny'],
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: ['a', 'b'],
      repetitions: 2,
      warmup: 0,
    });
    const [fp32, int8] = expandMatrix('exp', matrix);
    createExperiment(f.db, { id: 'exp', name: 'out', matrix, cells: [fp32!, int8!] });
    const a = syntheticCellResult({ cellId: fp32!.id, experimentId: 'exp', config: fp32!.config });
    for (const r of a.requests) r.text = '<script>alert(1)</script>';
    const b = syntheticCellResult({ cellId: int8!.id, experimentId: 'exp', config: int8!.config });
    for (const r of b.requests) if (r.promptIndex === 0) r.outputTokenIds = r.outputTokenIds.map((t, i) => (i === 1 ? t + 1 : t));
    recordCellResult(f.db, a);
    recordCellResult(f.db, b);

    const cell = await get(f.app, `/v1/cells/${fp32!.id}/outputs`);
    expect(cell.status).toBe(200);
    expect(cell.json.outputs).toHaveLength(4);
    expect(cell.json.outputs[0]).toMatchObject({
      repetition: 0,
      promptIndex: 0,
      text: '<script>alert(1)</script>',
      tokenIds: [100, 101, 102],
    });

    const exp = await get(f.app, '/v1/experiments/exp/outputs');
    expect(exp.status).toBe(200);
    const [p0, p1] = exp.json.prompts;
    expect(
      p0.cells.map((c: { sameAsReference: boolean; firstDivergence: number | null }) => [c.sameAsReference, c.firstDivergence]),
    ).toEqual([
      [true, null],
      [false, 1],
    ]);
    expect(p1.cells[1]).toMatchObject({ referenceCellId: fp32!.id, sameAsReference: true });
    expect((await get(f.app, '/v1/cells/nope/outputs')).status).toBe(404);
    expect((await get(f.app, '/v1/experiments/nope/outputs')).status).toBe(404);
  });
});
