// A report's input from a real SQLite file filled with synthetic results: the shapes the api serves,
// without a platform. The experiment's name and first prompt carry markup that must stay text.
import { createExperiment, type Db, getCellTokens, getExperiment, getExperimentResults, recordCellResult } from '@inferlab/db';
import { expandMatrix, parseMatrix } from '@inferlab/experiments';
import { assembleReportInput, type ReportInput } from '@inferlab/report';
import { HAND_TIMELINE, syntheticCellResult } from './synthetic-result.ts';

export const HOSTILE_NAME = 'cache <script>alert("name")</script> & <b>bold</b>';
export const HOSTILE_PROMPT = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> | `code` *emph*';

const QUALITY = {
  evalText: 'bundled public-domain text',
  reference: 'fp32',
  positions: 64,
  perplexity: 51000,
  perplexityFp32: 50990,
  perplexityDelta: 10,
  top1Agreement: 0.96,
  meanKl: 1.8e-4,
  greedyPrefix: 12,
  greedyTokens: 16,
} as const;

/** Two done cells (int8+cache with quality, fp32 without cache) and one still queued, every token timeline stored. */
export async function syntheticReportInput(db: Db): Promise<ReportInput> {
  const matrix = parseMatrix({
    name: HOSTILE_NAME,
    models: ['forge:gpt2-tiny'],
    variants: [
      { dtype: 'int8', cache: true },
      { dtype: 'fp32', cache: false },
      { dtype: 'fp32', cache: true },
    ],
    prompts: [HOSTILE_PROMPT, 'b'],
    repetitions: 2,
    warmup: 0,
  });
  const cells = expandMatrix('exp-report', matrix);
  createExperiment(db, { id: 'exp-report', name: matrix.name, matrix, cells });
  const slower = HAND_TIMELINE.map((r) => ({ ...r, events: r.events.map((e) => ({ ...e, t: e.t * 1.7 })) }));
  for (const [i, requests] of [HAND_TIMELINE, slower].entries()) {
    const cell = cells[i];
    if (cell === undefined) throw new Error('matrix expanded to fewer cells than expected');
    const result = syntheticCellResult({ cellId: cell.id, experimentId: 'exp-report', config: cell.config, requests });
    recordCellResult(db, i === 0 ? { ...result, quality: QUALITY } : result);
  }
  const input = await assembleReportInput(
    {
      experiment: (id) => getExperiment(db, id),
      results: (id) => getExperimentResults(db, id),
      tokens: (cellId) => getCellTokens(db, cellId)?.requests ?? null,
    },
    'exp-report',
    '2026-01-01T00:00:00.000Z',
  );
  if (input === null) throw new Error('experiment not found');
  return input;
}
