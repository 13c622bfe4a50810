import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      redisUrl: 'redis://127.0.0.1:6379',
      dataDir: './data',
      dbPath: 'data/inferlab.sqlite',
      maxCells: 512,
      recorder: true,
      access: { writeTokens: [], readTokens: [] },
      logLevel: 'info',
    });
  });

  it('reads API tokens as comma-separated lists, ignoring blanks', () => {
    const config = loadConfig({ INFERLAB_API_TOKENS: ' w1, w2 ,,', INFERLAB_READ_TOKENS: 'r1' });
    expect(config.access).toEqual({ writeTokens: ['w1', 'w2'], readTokens: ['r1'] });
  });

  it('reads and coerces the environment', () => {
    const config = loadConfig({
      PORT: '9000',
      INFERLAB_DATA_DIR: '/srv/lab',
      MAX_CELLS: '64',
      RECORDER: 'off',
      REDIS_URL: 'redis://r:6380',
      PATH: '/bin',
    });
    expect(config).toMatchObject({
      port: 9000,
      dbPath: '/srv/lab/inferlab.sqlite',
      maxCells: 64,
      recorder: false,
      redisUrl: 'redis://r:6380',
    });
    expect(loadConfig({ INFERLAB_DB: '/tmp/x.sqlite', PORT: '' }).dbPath).toBe('/tmp/x.sqlite');
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', RECORDER: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: expected a redis/);
  });
});
