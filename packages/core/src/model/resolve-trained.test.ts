// trained:<name>@<version> resolves to <modelsDir>/trained/<name>/<version>/ like the dir: id of that
// folder (same files, same derived variants); a folder this worker lacks is a permanent error
// naming the id, the folder and the fix.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPermanent } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/index.ts';
import { KvInt8UnsupportedError } from '../forge/kv-int8-files.ts';
import { resolveCellModel } from './resolve-kv-cache.ts';
import { resolveModel } from './resolve-model.ts';
import { TrainedModelMissingError } from './resolve-trained.ts';

const sharedModels = resolve(import.meta.dirname, '../../../../data/test-models');
const modelsDir = mkdtempSync(join(tmpdir(), 'inferlab-trained-'));
afterAll(() => rmSync(modelsDir, { recursive: true, force: true }));
const opts = { modelsDir, modelRoots: [modelsDir] };
const folder = join(modelsDir, 'trained', 'kjv-gpt2', '20261203T100000Z-job1');

describe('trained: model ids', () => {
  beforeAll(async () => {
    // A published trained folder holds the fp32 graph only (train/trained-folder.ts): copy just that.
    const tiny = await forgeModel('gpt2-tiny', { cacheDir: sharedModels });
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx'])
      cpSync(join(tiny, f), join(folder, f));
  });

  it('resolve to the published folder under the models dir, with the variants the dir: id of that folder gets', async () => {
    const id = 'trained:kjv-gpt2@20261203T100000Z-job1';
    const fp32 = await resolveModel(id, 'fp32', opts);
    expect(fp32).toMatchObject({ id, folder, file: join(folder, 'onnx/model.onnx'), variant: 'fp32' });
    const int8 = await resolveModel(id, 'int8', opts);
    expect(int8.file).toMatch(new RegExp(`^${modelsDir}/derived/[0-9a-f]{64}/onnx/model_int8.onnx$`));
    expect((await resolveModel(`dir:${folder}`, 'int8', opts)).file).toBe(int8.file);
    expect((await resolveCellModel(id, { dtype: 'q4' }, opts)).file).toMatch(/derived\/[0-9a-f]{64}\/onnx\/model_q4.onnx$/);
  });

  it('refuse the int8 KV graph as dir: folders do (built for forge folders); the in-place one is built in the cache, not the folder', async () => {
    const id = 'trained:kjv-gpt2@20261203T100000Z-job1';
    await expect(resolveCellModel(id, { dtype: 'fp32', kvCacheDtype: 'int8' }, opts)).rejects.toThrow(KvInt8UnsupportedError);
    const inPlace = await resolveCellModel(id, { dtype: 'fp32', kvLayout: 'in-place' }, opts);
    expect(inPlace.file).toMatch(new RegExp(`^${modelsDir}/derived/[0-9a-f]{64}/onnx/model_kvinplace.onnx$`));
    await expect(resolveCellModel(id, { dtype: 'fp32', kvCacheDtype: 'int8', kvLayout: 'in-place' }, opts)).rejects.toThrow(
      KvInt8UnsupportedError,
    );
  });

  it('a folder this worker lacks: permanent, naming the id, the folder looked in and the fix', async () => {
    const id = 'trained:kjv-gpt2@20270101T000000Z-other';
    const err = await resolveModel(id, 'fp32', opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainedModelMissingError);
    expect(isPermanent(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(id);
    expect(message).toContain(join(modelsDir, 'trained', 'kjv-gpt2', '20270101T000000Z-other'));
    expect(message).toMatch(/share that INFERLAB_MODELS_DIR volume, or copy the published folder/);
  });
});
