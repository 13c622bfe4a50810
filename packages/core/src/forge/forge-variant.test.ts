import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { VARIANT_FILES, VARIANT_SPECS } from '../quantization/variant-files.ts';
import { ensureForgeVariant, readVariantManifest, variantManifestPath } from './forge-variant.ts';

// A private copy of the shared gpt2-tiny folder without its lazily built variants, so every run
// builds them from scratch (the shared folder keeps its cache).
let root: string;
let folder: string;
beforeAll(async () => {
  const shared = join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny');
  root = mkdtempSync(join(tmpdir(), 'forge-variant-'));
  folder = join(root, 'forge', 'gpt2-tiny');
  cpSync(shared, folder, {
    recursive: true,
    filter: (src) => !src.includes(`${join(shared, 'variants')}`) && !src.includes(`${join(shared, 'quality')}`),
  });
  for (const [v, spec] of Object.entries(VARIANT_SPECS)) if (!spec.eager) rmSync(join(folder, VARIANT_FILES[v as never]), { force: true });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const leftovers = () => [...readdirSync(join(folder, 'onnx')), ...readdirSync(join(folder, 'variants'))].filter((f) => f.includes('.tmp-'));

/** Another process asking for the same variant at the same time (a second worker on this host). */
function childEnsure(variant: string): Promise<string> {
  const script = `import { ensureForgeVariant } from ${JSON.stringify(resolve(import.meta.dirname, 'forge-variant.ts'))};
process.stdout.write(await ensureForgeVariant(${JSON.stringify(folder)}, ${JSON.stringify(variant)}));`;
  const file = join(root, `child-${Math.random().toString(36).slice(2)}.mts`);
  writeFileSync(file, script);
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`child exited with ${code}`))));
  });
}

describe('forge variants built on first use', () => {
  it('concurrent requests (two in this process, two other processes) publish one valid file and its manifest entry', async () => {
    const [a, b, c, d] = await Promise.all([
      childEnsure('q4-b64'),
      childEnsure('q4-b64'),
      ensureForgeVariant(folder, 'q4-b64'),
      ensureForgeVariant(folder, 'q4-b64'),
    ]);
    const file = join(folder, 'onnx/model_q4_b64.onnx');
    expect([a, b, c, d]).toEqual([file, file, file, file]);
    const manifest = readVariantManifest(folder, 'q4-b64');
    expect(manifest).toMatchObject({ variant: 'q4-b64', file: 'onnx/model_q4_b64.onnx', sha256: sha256(file) });
    expect((manifest?.report as { blockSize: number; bits: number }) ?? null).toMatchObject({ blockSize: 64, bits: 4 });
    expect(leftovers()).toEqual([]);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    expect(session.outputNames).toContain('logits');
    await session.release();
  }, 120_000);

  it('reuses a current file, and rebuilds when its manifest entry no longer matches the fp32 file', async () => {
    const before = readVariantManifest(folder, 'q4-b64');
    await ensureForgeVariant(folder, 'q4-b64');
    expect(readVariantManifest(folder, 'q4-b64')?.builtAt).toBe(before?.builtAt);

    const path = variantManifestPath(folder, 'q4-b64');
    const stale = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...stale, source: { ...stale.source, sha256: 'another fp32 file' } }));
    expect(readVariantManifest(folder, 'q4-b64')).toBeNull();
    await ensureForgeVariant(folder, 'q4-b64');
    expect(readVariantManifest(folder, 'q4-b64')?.builtAt).not.toBe(before?.builtAt);
    expect(readVariantManifest(folder, 'q4-b64')?.sha256).toBe(before?.sha256); // deterministic bytes
  }, 120_000);

  it('resolveModel builds a forge variant on demand; for a dir: folder without the file, into the cache, never into the folder', async () => {
    const opts = { modelsDir: root, modelRoots: [root] };
    const perTensor = await resolveModel('forge:gpt2-tiny', 'int8-per-tensor', opts);
    expect(perTensor.file).toBe(join(folder, 'onnx/model_int8_per_tensor.onnx'));
    expect(readVariantManifest(folder, 'int8-per-tensor')?.sha256).toBe(sha256(perTensor.file));

    const dir = await resolveModel(`dir:${folder}`, 'q8-b128', opts);
    expect(dir.folder).toBe(folder);
    expect(dir.file).toBe(join(root, 'derived', sha256(join(folder, 'onnx/model.onnx')), 'onnx/model_q8_b128.onnx'));
    expect(readdirSync(join(folder, 'onnx'))).not.toContain('model_q8_b128.onnx');
  }, 120_000);
});
