import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelsDirFromEnv, presentEnv } from './deployment-env.ts';

describe('deployment env', () => {
  it('reads an empty variable as unset', () => {
    expect(presentEnv({ A: '', B: 'x', C: undefined })).toEqual({ B: 'x' });
  });

  it('puts models in INFERLAB_MODELS_DIR, else under the data folder', () => {
    expect(modelsDirFromEnv({})).toBe(resolve('data/models'));
    expect(modelsDirFromEnv({ INFERLAB_DATA_DIR: '/srv/inferlab' })).toBe('/srv/inferlab/models');
    expect(modelsDirFromEnv({ INFERLAB_DATA_DIR: '/srv/inferlab', INFERLAB_MODELS_DIR: '/cache/models' })).toBe('/cache/models');
    expect(modelsDirFromEnv({ INFERLAB_MODELS_DIR: '', INFERLAB_DATA_DIR: '' })).toBe(resolve('data/models'));
  });
});
