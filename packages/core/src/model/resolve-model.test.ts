// Model resolution: forge on demand, dir: confined to roots, hf: through the hub cache layout (hub/hub-repo.ts).
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPermanent, RetryableError } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/index.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { HubUnreachableError } from './hub/hub-errors.ts';
import { ModelUnavailableError } from './resolve-hf.ts';
import { ModelPathError, resolveModel } from './resolve-model.ts';

const sharedModels = resolve(import.meta.dirname, '../../../../data/test-models');

describe('resolveModel', () => {
  let work: string;
  let tiny: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'inferlab-resolve-'));
    tiny = await forgeModel('gpt2-tiny', { cacheDir: sharedModels });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('forge: builds (or reuses) the folder and picks the variant file', async () => {
    const fp32 = await resolveModel('forge:gpt2-tiny', 'fp32', { modelsDir: sharedModels, modelRoots: [] });
    const int8 = await resolveModel('forge:gpt2-tiny', 'int8', { modelsDir: sharedModels, modelRoots: [] });
    expect(fp32.file).toBe(join(tiny, 'onnx/model.onnx'));
    expect(int8.file).toBe(join(tiny, 'onnx/model_int8.onnx'));
  });

  it('dir: loads a folder inside the roots and refuses one outside, also through ../ and symlinks', async () => {
    const root = join(work, 'root');
    mkdirSync(root);
    cpSync(tiny, join(root, 'mine'), { recursive: true });
    const ok = await resolveModel(`dir:${join(root, 'mine')}`, 'fp32', { modelsDir: work, modelRoots: [root] });
    expect(ok.file).toMatch(/mine\/onnx\/model.onnx$/);
    const outside = join(work, 'outside');
    cpSync(tiny, outside, { recursive: true });
    await expect(resolveModel(`dir:${outside}`, 'fp32', { modelsDir: work, modelRoots: [root] })).rejects.toThrow(ModelPathError);
    await expect(resolveModel(`dir:${root}/../outside`, 'fp32', { modelsDir: work, modelRoots: [root] })).rejects.toThrow(
      /not an allowed model folder/,
    );
    symlinkSync(outside, join(root, 'link'));
    await expect(resolveModel(`dir:${join(root, 'link')}`, 'fp32', { modelsDir: work, modelRoots: [root] })).rejects.toThrow(
      ModelPathError,
    );
  });

  it('hf: uses a folder laid out like a transformers.js hub download, offline', async () => {
    const modelsDir = join(work, 'models');
    cpSync(tiny, join(modelsDir, 'hf/inferlab-test/gpt2-tiny'), { recursive: true });
    const m = await resolveModel('hf:inferlab-test/gpt2-tiny', 'int8', { modelsDir, modelRoots: [] });
    expect(m.folder).toBe(join(modelsDir, 'hf/inferlab-test/gpt2-tiny'));
    const tok = await loadTokenizer(m.folder);
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
  });

  it('hf: a repo that is neither cached nor reachable fails retryably, naming the repo and the file', async () => {
    // Port 9 (discard) refuses connections here: the network failure every attempt meets.
    const hub = { endpoint: 'http://127.0.0.1:9', offline: false, attempts: 2, backoffMs: 10 };
    const err = await resolveModel('hf:inferlab-test/absent', 'fp32', { modelsDir: join(work, 'm2'), modelRoots: [], hub }).catch((e) => e);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect(err).toBeInstanceOf(RetryableError);
    expect(isPermanent(err)).toBe(false);
    expect(err.message).toMatch(/hf:inferlab-test\/absent: config.json could not be downloaded .* after 2 attempts/);
  });

  it('dir: a folder that is not a model names every file a model folder needs', async () => {
    const root = join(work, 'root2');
    mkdirSync(join(root, 'half'), { recursive: true });
    cpSync(join(tiny, 'config.json'), join(root, 'half', 'config.json'));
    const err = await resolveModel(`dir:${join(root, 'half')}`, 'fp32', { modelsDir: work, modelRoots: [root] }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toMatch(/lacks tokenizer.json, tokenizer_config.json, onnx\/model.onnx \(or onnx\/decoder_model_merged.onnx\)/);
    expect(err.message).toMatch(/needs config.json, tokenizer.json, tokenizer_config.json and onnx\/model.onnx/);
  });
});
