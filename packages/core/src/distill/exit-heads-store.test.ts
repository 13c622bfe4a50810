import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExitHeadSet } from '../early-exit/exit-head.ts';
import { EXIT_HEADS_DIR, type ExitHeadsMeta, HEADS_FILE, HEADS_META_FILE, HEADS_VERSION_PATTERN } from './exit-heads-meta.ts';
import {
  ExitHeadsError,
  ExitHeadsNotFoundError,
  findExitHeadsByJob,
  listExitHeads,
  loadExitHeads,
  saveExitHeads,
} from './exit-heads-store.ts';

// The store only reads config.json (width) and hashes onnx/model.onnx, so a folder with those two
// files is a real model folder as far as it is concerned.
const D = 6;
let modelDir: string;

beforeEach(() => {
  modelDir = mkdtempSync(join(tmpdir(), 'exit-heads-store-'));
  mkdirSync(join(modelDir, 'onnx'));
  writeFileSync(join(modelDir, 'onnx', 'model.onnx'), 'model bytes v1');
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_embd: D, n_layer: 4 }));
});
afterEach(() => rmSync(modelDir, { recursive: true, force: true }));

const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3));

function linearSet(scale = 1): ExitHeadSet {
  return {
    version: 'draft',
    hidden: D,
    heads: [1, 3].map((layer) => ({ layer, kind: 'linear' as const, w: ramp(D * D, layer * scale) })),
  };
}

function meta(overrides: Partial<ExitHeadsMeta> = {}): ExitHeadsMeta {
  return {
    training: {
      temperature: 2,
      learningRate: 1e-3,
      epochs: 3,
      batchTokens: 64,
      seed: 7,
      optimizer: 'adam',
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
    },
    corpus: { id: 'test', source: 'test', trainTokens: 100, heldOutTokens: 20 },
    metrics: [
      { layer: 1, untrainedKd: 3, trainedKd: 1 },
      { layer: 3, untrainedKd: 2, trainedKd: 0.5 },
    ],
    createdAt: '2026-11-29T05:20:07.123Z',
    ...overrides,
  };
}

describe('exit heads store', () => {
  it('round-trips linear heads bit for bit, with their metadata, and sorts versions by time', async () => {
    const set = linearSet();
    const v = await saveExitHeads(modelDir, set, meta());
    expect(v).toMatch(HEADS_VERSION_PATTERN);
    expect(v.startsWith('20261129T052007Z-')).toBe(true);
    const back = await loadExitHeads(modelDir, v);
    expect(back.version).toBe(v);
    expect(back.heads.map((h) => h.layer)).toEqual([1, 3]);
    for (const [i, h] of back.heads.entries()) {
      const want = set.heads[i];
      if (h.kind !== 'linear' || want?.kind !== 'linear') throw new Error('kind lost');
      expect(Array.from(h.w)).toEqual(Array.from(want.w));
    }
    const only3 = await loadExitHeads(modelDir, v, [3]);
    expect(only3.heads.map((h) => h.layer)).toEqual([3]);
    const file = JSON.parse(readFileSync(join(modelDir, EXIT_HEADS_DIR, v, HEADS_META_FILE), 'utf8'));
    expect(file).toMatchObject({ kind: 'linear', layers: [1, 3], hidden: D, metrics: meta().metrics, corpus: { trainTokens: 100 } });
    expect(file.modelSha256).toMatch(/^[0-9a-f]{64}$/);

    const later = await saveExitHeads(modelDir, linearSet(2), meta({ createdAt: '2026-11-29T06:00:00Z' }));
    expect(listExitHeads(modelDir).map((f) => f.version)).toEqual([v, later]);
  });

  it('round-trips low-rank heads', async () => {
    const set: ExitHeadSet = {
      version: 'x',
      hidden: D,
      heads: [{ layer: 2, kind: 'low-rank', rank: 2, down: ramp(D * 2, 0.7), up: ramp(2 * D, 1.1) }],
    };
    const v = await saveExitHeads(modelDir, set, meta());
    const [h] = (await loadExitHeads(modelDir, v)).heads;
    if (h?.kind !== 'low-rank' || set.heads[0]?.kind !== 'low-rank') throw new Error('kind lost');
    expect(h.rank).toBe(2);
    expect(Array.from(h.down)).toEqual(Array.from(set.heads[0].down));
    expect(Array.from(h.up)).toEqual(Array.from(set.heads[0].up));
  });

  it('publishes at most one version per job id and never rewrites a published version', async () => {
    const v = await saveExitHeads(modelDir, linearSet(), meta({ jobId: 'job-1' }));
    const path = join(modelDir, EXIT_HEADS_DIR, v, HEADS_FILE);
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    // A retry of the job with different numbers (and a later clock) returns the published version untouched.
    const again = await saveExitHeads(modelDir, linearSet(5), meta({ jobId: 'job-1', createdAt: '2026-11-30T00:00:00Z' }));
    expect(again).toBe(v);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(findExitHeadsByJob(modelDir, 'job-1')?.version).toBe(v);
    expect(readdirSync(join(modelDir, EXIT_HEADS_DIR))).toEqual([v]); // no temp folders left behind
    // Byte-identical heads saved twice without a job id land on one name too.
    const a = await saveExitHeads(modelDir, linearSet(3), meta());
    const b = await saveExitHeads(modelDir, linearSet(3), meta());
    expect(a).toBe(b);
    expect(listExitHeads(modelDir)).toHaveLength(2);
  });

  it("serves 'untrained' identity heads at any layers without a file", async () => {
    const set = await loadExitHeads(modelDir, 'untrained', [3, 1, 3]);
    expect(set).toEqual({
      version: 'untrained',
      hidden: D,
      heads: [
        { layer: 1, kind: 'identity' },
        { layer: 3, kind: 'identity' },
      ],
    });
    await expect(loadExitHeads(modelDir, 'untrained')).rejects.toThrow(ExitHeadsError);
  });

  it('names the versions present and the fix for an unknown version', async () => {
    const v = await saveExitHeads(modelDir, linearSet(), meta());
    const err = await loadExitHeads(modelDir, '20991231T000000Z-deadbeef').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitHeadsNotFoundError);
    expect((err as Error).message).toContain(`present: untrained, ${v}`);
    expect((err as Error).message).toContain('POST /v1/distill');
    await expect(loadExitHeads(modelDir, '../../etc')).rejects.toThrow(ExitHeadsNotFoundError);
  });

  it('refuses layers the version lacks and heads trained on another model', async () => {
    const v = await saveExitHeads(modelDir, linearSet(), meta());
    await expect(loadExitHeads(modelDir, v, [1, 2])).rejects.toThrow(/have layers \[1,3\], not \[2\]/);
    writeFileSync(join(modelDir, 'onnx', 'model.onnx'), 'model bytes v2, longer');
    await expect(loadExitHeads(modelDir, v)).rejects.toThrow(/trained on model sha256 .*retrain/);
  });

  it('refuses to save identity or mixed-kind sets', async () => {
    await expect(saveExitHeads(modelDir, { version: 'x', hidden: D, heads: [{ layer: 1, kind: 'identity' }] }, meta())).rejects.toThrow(
      ExitHeadsError,
    );
    const mixed: ExitHeadSet = {
      version: 'x',
      hidden: D,
      heads: [
        { layer: 1, kind: 'linear', w: ramp(D * D, 1) },
        { layer: 2, kind: 'low-rank', rank: 1, down: ramp(D, 1), up: ramp(D, 2) },
      ],
    };
    await expect(saveExitHeads(modelDir, mixed, meta())).rejects.toThrow(/same kind/);
  });
});
