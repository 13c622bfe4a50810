import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LlamaCppBackendError, ModelPool } from '@inferlab/core';
import { TEST_CACHE_DIR } from '@inferlab/core/testing';
import { cellIssues } from '@inferlab/experiments';
import { getLlamaGpuTypes } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from './run-cell.ts';

// llama.cpp cells through runCell, as a worker runs them: the GGUF written on first use, the same
// request records as our engine's, the backend that ran named in the environment, the GGUF that ran
// (sha256 and type) as the cell's model file.

const CELL: CellSpec = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'],
  maxNewTokens: 12,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 2,
  warmup: 1,
  engine: 'llama.cpp',
};
const pool = new ModelPool(2);
const ctx = { modelsDir: TEST_CACHE_DIR, modelRoots: [], pool };
afterAll(() => pool.clear());

describe('runCell with engine llama.cpp', () => {
  it('records the same greedy tokens as our engine, one event per token, and the CPU backend', async () => {
    expect(cellIssues(CELL)).toEqual([]);
    const ours = await runCell({ ...CELL, engine: 'inferlab' }, ctx);
    const llama = await runCell(CELL, ctx);
    expect(llama.requests).toHaveLength(4);
    expect(llama.requests.map((r) => r.outputTokenIds)).toEqual(ours.requests.map((r) => r.outputTokenIds));
    expect(llama.requests.map((r) => r.promptTokens)).toEqual(ours.requests.map((r) => r.promptTokens));
    for (const r of llama.requests) expect(r.events.map((e) => e.n)).toEqual(new Array(12).fill(1));
    expect(llama.environment.engine).toMatch(/^llama\.cpp \S+ \(node-llama-cpp 3\.21\.1, cpu\)$/);
    expect(ours.environment.engine).toMatch(/^inferlab /);
    expect([llama.environment.backend, ours.environment.backend]).toEqual(['cpu', 'cpu']);
    expect(ours.environment.executionProvider).toBe('cpu');
  }, 300_000);

  it('records the GGUF file that ran, its sha256 and type, as an onnxruntime cell records its graph', async () => {
    const run = await runCell({ ...CELL, variant: { dtype: 'q8', cache: true }, repetitions: 1, warmup: 0 }, ctx);
    expect(run.model.file).toMatch(/\/gguf\/model-q8_0\.gguf$/);
    const bytes = readFileSync(run.model.file);
    expect(run.model.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(run.model.fileBytes).toBe(bytes.length);
    expect(run.environment.ggufType).toBe('Q8_0');
    const ours = await runCell({ ...CELL, variant: { dtype: 'q8', cache: true }, engine: 'inferlab', repetitions: 1, warmup: 0 }, ctx);
    expect(ours.model.file).toMatch(/\.onnx$/);
    expect(ours.environment.ggufType).toBeUndefined();
  }, 300_000);

  it('a q4 cell runs on the Q4_0 file', async () => {
    const run = await runCell({ ...CELL, variant: { dtype: 'q4', cache: true }, repetitions: 1, warmup: 0 }, ctx);
    expect(run.requests.every((r) => r.outputTokenIds.length === 12)).toBe(true);
  }, 300_000);

  it('a cuda cell runs on a GPU backend or fails, never on the CPU', async () => {
    const cuda = { ...CELL, device: 'cuda' as const, repetitions: 1, warmup: 0 };
    const supported = await getLlamaGpuTypes('supported');
    if (supported.includes('cuda') || supported.includes('vulkan')) {
      const run = await runCell(cuda, ctx);
      expect(run.environment.engine).toMatch(/, (cuda|vulkan)\)$/);
      expect(run.environment.backend).toBe(supported.includes('cuda') ? 'cuda' : 'vulkan');
    } else {
      await expect(runCell(cuda, ctx)).rejects.toThrow(LlamaCppBackendError);
    }
  }, 300_000);
});
