import { resolve } from 'node:path';
import { forgeModel } from '@inferlab/core';

/**
 * Forge models shared by every test file (building is deterministic, so a cache reused across
 * runs is the same model): data/test-models under the repo, gitignored.
 */
export async function sharedModelsDir(names: string[] = ['gpt2-tiny']): Promise<string> {
  const dir = resolve(import.meta.dirname, '../../data/test-models');
  for (const n of names) await forgeModel(n, { cacheDir: dir });
  return dir;
}
