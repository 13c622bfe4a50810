// A Redis that requires a password: api, recorder and worker all use the REDIS_URL that carries it,
// and none of them prints the password.
import { describe, expect, it } from 'vitest';
import { postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const PASSWORD = 'hunter2-not-in-logs';
const lines: string[] = [];

describe('REDIS_URL with a password', () => {
  const f = usePlatform('redis-password', {
    redis: { password: PASSWORD },
    log: (_src, line) => lines.push(line),
  });

  it('runs a cell end to end and never logs the password', async () => {
    expect(f.platform.redisUrl).toContain(PASSWORD);
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      prompts: ['Hello world'],
      maxNewTokens: [4],
      threads: [1],
      repetitions: 2,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 120_000);
    expect(done.cells[0]!.status).toBe('done');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });
});
