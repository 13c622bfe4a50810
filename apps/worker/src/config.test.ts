import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from './config.ts';

describe('loadWorkerConfig', () => {
  it('fills every default from an empty environment', () => {
    const c = loadWorkerConfig({});
    expect(c).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      device: 'cpu',
      workerId: `${hostname()}-cpu-${process.pid}`,
      dataDir: resolve('data'),
      modelsDir: resolve('data/models'),
      modelRoots: [resolve('data/models')],
      heartbeatMs: 5000,
      lockMs: 15000,
      modelCache: 2,
      distillThreads: 0,
      gitCommit: undefined,
      gpu: '0',
      logLevel: 'info',
      hub: { endpoint: 'https://huggingface.co', token: undefined, offline: false },
    });
  });

  it('reads every variable', () => {
    const c = loadWorkerConfig({
      REDIS_URL: 'redis://redis:6379',
      WORKER_DEVICE: 'cuda',
      WORKER_ID: 'w1',
      INFERLAB_DATA_DIR: '/srv/data',
      INFERLAB_MODEL_ROOTS: '/models/a::/models/b',
      WORKER_HEARTBEAT_MS: '250',
      WORKER_LOCK_MS: '2000',
      WORKER_MODEL_CACHE: '3',
      WORKER_DISTILL_THREADS: '4',
      INFERLAB_GIT_COMMIT: 'abc123',
      CUDA_VISIBLE_DEVICES: '2,3',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      redisUrl: 'redis://redis:6379',
      device: 'cuda',
      workerId: 'w1',
      dataDir: '/srv/data',
      modelsDir: '/srv/data/models',
      modelRoots: ['/srv/data/models', '/models/a', '/models/b'],
      heartbeatMs: 250,
      lockMs: 2000,
      modelCache: 3,
      distillThreads: 4,
      gitCommit: 'abc123',
      gpu: '2',
      logLevel: 'debug',
    });
    expect(loadWorkerConfig({ INFERLAB_DATA_DIR: '/srv/data', INFERLAB_MODELS_DIR: '/cache' }).modelsDir).toBe('/cache');
  });

  it('reads the hub variables (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE), empty as unset', () => {
    const hub = loadWorkerConfig({ HF_ENDPOINT: 'http://mirror.local:8080/hf', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: '1' }).hub;
    expect(hub).toEqual({ endpoint: 'http://mirror.local:8080/hf', token: 'hf_x', offline: true });
    expect(loadWorkerConfig({ HF_HUB_OFFLINE: 'TRUE' }).hub.offline).toBe(true);
    expect(loadWorkerConfig({ HF_HUB_OFFLINE: '0' }).hub.offline).toBe(false);
    expect(loadWorkerConfig({ HF_ENDPOINT: '', HF_TOKEN: '', HF_HUB_OFFLINE: '' }).hub).toEqual({
      endpoint: 'https://huggingface.co',
      token: undefined,
      offline: false,
    });
    expect(() => loadWorkerConfig({ HF_ENDPOINT: 'ftp://x', HF_HUB_OFFLINE: 'maybe' })).toThrow(/HF_ENDPOINT[\s\S]*HF_HUB_OFFLINE/);
  });

  it('reads an empty variable as unset, as the api does', () => {
    const c = loadWorkerConfig({ WORKER_DEVICE: '', WORKER_ID: '', INFERLAB_MODELS_DIR: '', WORKER_LOCK_MS: '', INFERLAB_GIT_COMMIT: '' });
    expect(c.device).toBe('cpu');
    expect(c.workerId).toMatch(/-cpu-\d+$/);
    expect(c.modelsDir).toBe(resolve('data/models'));
    expect(c.lockMs).toBe(15000);
    expect(c.gitCommit).toBeUndefined();
  });

  it('names every bad variable at once, and the error is permanent', () => {
    let err: unknown;
    try {
      loadWorkerConfig({ WORKER_DEVICE: 'tpu', WORKER_LOCK_MS: '10', WORKER_MODEL_CACHE: 'two' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkerConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/WORKER_DEVICE/);
    expect(message).toMatch(/WORKER_LOCK_MS/);
    expect(message).toMatch(/WORKER_MODEL_CACHE/);
    expect((err as WorkerConfigError).permanent).toBe(true);
  });
});
