import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelPool } from '@inferlab/core';
import { type HubTestServer, startHubTestServer, TEST_MODELS_DIR } from '@inferlab/core/testing';
import type { Progress } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from './run-cell.ts';

// An hf: cell as a worker runs it, against a local server with the hub's URL layout: the download's
// bytes are the cell's progress (phase 'downloading') before it loads, and the downloaded model
// generates what the same forge model does.

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'onnx/model.onnx'];
const BASE: CellSpec = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Hello world'],
  maxNewTokens: 8,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 1,
  warmup: 0,
};

let server: HubTestServer;
let modelsDir: string;
const pool = new ModelPool(2);

beforeAll(async () => {
  const tiny = join(TEST_MODELS_DIR, 'forge', 'gpt2-tiny');
  await runCell(BASE, { modelsDir: TEST_MODELS_DIR, modelRoots: [], pool }); // forges the shared folder when absent
  server = await startHubTestServer({
    'inferlab-test/gpt2-tiny': { main: Object.fromEntries(FILES.map((f) => [f, readFileSync(join(tiny, f))])) },
  });
  modelsDir = await mkdtemp(join(tmpdir(), 'hub-cell-'));
}, 120_000);
afterAll(async () => {
  await pool.clear();
  await server?.close();
  await rm(modelsDir, { recursive: true, force: true });
});

describe('an hf: cell', () => {
  it('reports the download in bytes (phase downloading), then loads and generates the forge model’s tokens', async () => {
    const progress: Progress[] = [];
    const hub = { endpoint: server.endpoint, offline: false };
    const run = await runCell(
      { ...BASE, model: 'hf:inferlab-test/gpt2-tiny' },
      { modelsDir, modelRoots: [], pool, hub, onProgress: (p) => progress.push(p) },
    );
    const graph = progress.filter((p) => p.phase === 'downloading' && p.file === 'onnx/model.onnx');
    const size = readFileSync(join(TEST_MODELS_DIR, 'forge', 'gpt2-tiny', 'onnx/model.onnx')).length;
    expect(graph.at(-1)).toEqual({ done: size, total: size, phase: 'downloading', file: 'onnx/model.onnx' });
    const phases = progress.map((p) => p.phase);
    expect(phases.lastIndexOf('downloading')).toBeLessThan(phases.indexOf('measuring'));
    const forge = await runCell(BASE, { modelsDir: TEST_MODELS_DIR, modelRoots: [], pool });
    expect(run.requests[0]?.outputTokenIds).toEqual(forge.requests[0]?.outputTokenIds);
  }, 120_000);
});
