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
      publicHosts: [],
      quotas: { cells: 10_000, requestedTokens: 1e11, experiments: 100 },
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

  it('reads quotas and public host names; an empty variable reads as unset', () => {
    const config = loadConfig({ INFERLAB_QUOTA_CELLS: '64', INFERLAB_QUOTA_TOKENS: '', INFERLAB_PUBLIC_HOSTS: 'lab.example, 10.0.0.5' });
    expect(config.quotas).toEqual({ cells: 64, requestedTokens: 1e11, experiments: 100 });
    expect(config.publicHosts).toEqual(['lab.example', '10.0.0.5']);
  });

  it('INFERLAB_REQUIRE_TOKENS=on refuses to start without a write token', () => {
    expect(() => loadConfig({ INFERLAB_REQUIRE_TOKENS: 'on' })).toThrow(/INFERLAB_API_TOKENS is not set/);
    expect(() => loadConfig({ INFERLAB_REQUIRE_TOKENS: 'on', INFERLAB_API_TOKENS: '' })).toThrow(ConfigError);
    expect(loadConfig({ INFERLAB_REQUIRE_TOKENS: 'on', INFERLAB_API_TOKENS: 'w' }).access.writeTokens).toEqual(['w']);
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', RECORDER: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL: expected a redis/);
  });
});
