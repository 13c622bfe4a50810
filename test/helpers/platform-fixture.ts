// The platform (redis-server, api + recorder, CPU workers as child processes) for one test file:
// started in beforeAll on a fresh data folder and the shared forge model cache, stopped and
// removed in afterAll.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalRedis, type StartRedisOptions, startLocalRedis } from '../../scripts/lib/local-redis.ts';
import { type Platform, type PlatformOptions, startPlatform } from '../../scripts/lib/platform.ts';
import { sharedModelsDir } from './models.ts';

export type PlatformFixture = { platform: Platform; dataDir: string; redis?: LocalRedis };

export function usePlatform(
  name: string,
  opts: Omit<PlatformOptions, 'dataDir'> & { models?: string[] /** start this Redis for the platform */; redis?: StartRedisOptions } = {},
): PlatformFixture {
  const fixture = {} as PlatformFixture;
  beforeAll(async () => {
    fixture.dataDir = mkdtempSync(join(tmpdir(), `inferlab-${name}-`));
    const modelsDir = await sharedModelsDir(opts.models);
    if (opts.redis) fixture.redis = await startLocalRedis(opts.redis);
    fixture.platform = await startPlatform({
      workers: 1,
      ...opts,
      ...(fixture.redis ? { redisUrl: fixture.redis.url } : {}),
      dataDir: fixture.dataDir,
      env: { INFERLAB_MODELS_DIR: modelsDir, ...opts.env },
    });
  });
  afterAll(async () => {
    await fixture.platform?.stop();
    await fixture.redis?.stop();
    if (fixture.dataDir) rmSync(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
}
