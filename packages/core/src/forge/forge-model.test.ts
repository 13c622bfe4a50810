import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FORGE_FORMAT_VERSION, MODEL_FILE, MODEL_INT8_FILE, MODEL_Q4_FILE, MODEL_UINT8_FILE } from './build-gpt2-folder.ts';
import { FORGE_MANIFEST_FILE, forgeModel, forgeModelDir, readForgeManifest } from './forge-model.ts';
import { UnknownForgeModelError } from './forge-models.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FOLDER_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  MODEL_FILE,
  MODEL_INT8_FILE,
  MODEL_UINT8_FILE,
  MODEL_Q4_FILE,
];

const created: string[] = [];
const freshCache = () => {
  const dir = mkdtempSync(join(tmpdir(), 'inferlab-forge-'));
  created.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const hashes = (dir: string) => Object.fromEntries(FOLDER_FILES.map((f) => [f, sha256(join(dir, f))]));

describe('forgeModel', () => {
  it('rejects unknown names, listing the known ones', async () => {
    const err = await forgeModel('gpt2-huge', { cacheDir: freshCache() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownForgeModelError);
    expect((err as Error).message).toMatch(/gpt2-tiny.*gpt2-small/);
  });

  it('builds a transformers.js-layout folder once, byte-identical across builds', async () => {
    const cacheA = freshCache();
    const dir = await forgeModel('gpt2-tiny', { cacheDir: cacheA });
    expect(dir).toBe(forgeModelDir('gpt2-tiny', { cacheDir: cacheA }));
    expect(dir).toBe(join(cacheA, 'forge', 'gpt2-tiny'));
    for (const f of FOLDER_FILES) expect(existsSync(join(dir, f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'gpt2', n_layer: 2, n_embd: 64, n_head: 4, vocab_size: 50257 });
    expect(config.inferlab).toMatchObject({ forge: 'gpt2-tiny', seed: 1 });

    // The manifest records every file's sha256; the cache is reused (no rebuild: same inode).
    const manifest = readForgeManifest(dir);
    expect(manifest?.formatVersion).toBe(FORGE_FORMAT_VERSION);
    const first = hashes(dir);
    for (const f of FOLDER_FILES) expect(manifest?.files[f]?.sha256, f).toBe(first[f]);
    const before = statSync(join(dir, FORGE_MANIFEST_FILE));
    expect(await forgeModel('gpt2-tiny', { cacheDir: cacheA })).toBe(dir);
    const after = statSync(join(dir, FORGE_MANIFEST_FILE));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    // A second, independent build gives the same bytes, and so does every machine: if a pin
    // changes on purpose, bump FORGE_FORMAT_VERSION (stale caches are then rebuilt) and re-pin.
    const again = await forgeModel('gpt2-tiny', { cacheDir: freshCache() });
    expect(hashes(again)).toEqual(first);
    expect(FORGE_FORMAT_VERSION).toBe(3);
    expect(first[MODEL_FILE]).toBe('dd27c513776661e541c882b447113b03178a903d7cab0b28f9e0d6091c0779af');
    expect(first[MODEL_INT8_FILE]).toBe('9518b8fe8241b73f368a306bfc977751101430e48bcd1ccfc16c7101188b9b29');
    expect(first[MODEL_UINT8_FILE]).toBe('d33a8be1be889eacb99e8130bbdb0ae1db5be237e5ab6c1776634b72a1c6fe3e');
    expect(first[MODEL_Q4_FILE]).toBe('f9df222801da9ff8f9a109cafc0389dfa99e8c085dc80277c6c4724b4e4a33e7');
    expect(first['tokenizer.json']).toBe('9aa86dd171b55947066e991a8f44f4e2b8f68a679bf47f902497927b4e894e23');
    expect(readdirSync(join(cacheA, 'forge'))).toEqual(['gpt2-tiny']); // no temp folders left
  }, 60_000);

  it('survives two processes building the same model at once', async () => {
    const cacheDir = freshCache();
    const code = `const { forgeModel } = await import(${JSON.stringify(join(import.meta.dirname, 'forge-model.ts'))});
      console.log(await forgeModel('gpt2-tiny', { cacheDir: ${JSON.stringify(cacheDir)} }));`;
    const args = ['--import', 'tsx', '--input-type=module', '-e', code];
    const child = () => run(process.execPath, args, { cwd: REPO_ROOT });
    const [a, b] = await Promise.all([child(), child()]);
    const dir = join(cacheDir, 'forge', 'gpt2-tiny');
    expect([a.stdout.trim(), b.stdout.trim()]).toEqual([dir, dir]);
    expect(readForgeManifest(dir)).not.toBeNull();
    const manifest = readForgeManifest(dir);
    for (const f of FOLDER_FILES) expect(sha256(join(dir, f)), f).toBe(manifest?.files[f]?.sha256);
    expect(readdirSync(join(cacheDir, 'forge'))).toEqual(['gpt2-tiny']);
  }, 60_000);

  it('replaces a stale or broken folder in the way', async () => {
    const cacheDir = freshCache();
    const dir = join(cacheDir, 'forge', 'gpt2-tiny');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{"half": "written"}');
    expect(await forgeModel('gpt2-tiny', { cacheDir })).toBe(dir);
    expect(readForgeManifest(dir)).not.toBeNull();
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model_type).toBe('gpt2');
  }, 60_000);
});
