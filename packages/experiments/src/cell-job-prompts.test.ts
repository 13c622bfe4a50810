import { describe, expect, it } from 'vitest';
import { PromptsMissingError, promptsKey, queuedCellJob, resolveCellJob } from './cell-job-prompts.ts';
import { expandMatrix } from './expand.ts';
import { parseMatrix } from './matrix-schema.ts';

const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['one', 'two'], maxNewTokens: [2, 4] });
const jobs = expandMatrix('exp', matrix).map((cell) => ({ experimentId: 'exp', cellId: cell.id, config: cell.config }));

describe('cell jobs queue their prompts once', () => {
  it('a queued job has no prompts; resolving it gives back the exact job (same cell id)', async () => {
    const store = new Map([[promptsKey('exp'), JSON.stringify(matrix.prompts)]]);
    for (const job of jobs) {
      const queued = queuedCellJob(job);
      expect(JSON.stringify(queued)).not.toContain('"one"');
      expect(await resolveCellJob(queued, async (k) => store.get(k) ?? null)).toEqual(job);
    }
  });

  it('jobs queued with inline prompts (older apis) resolve as they are; a lost key is a permanent failure', async () => {
    const job = jobs[0]!;
    expect(await resolveCellJob(job, async () => null)).toEqual(job);
    await expect(resolveCellJob(queuedCellJob(job), async () => null)).rejects.toBeInstanceOf(PromptsMissingError);
  });
});
