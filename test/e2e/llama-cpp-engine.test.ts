import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

// All three engines through api → Redis → worker → SQLite on the same forge model: the llama.cpp
// cells run a GGUF the worker writes on first use, record the same request shape, the backend
// that ran, and (fp32) the same greedy tokens as our engine. A dtype llama.cpp has no file for is
// a 400 naming the matrix field.

describe('llama.cpp engine through the platform', () => {
  const f = usePlatform('e2e-llama-cpp', { models: ['gpt2-tiny', 'llama-tiny'] });

  it('runs inferlab, transformers.js and llama.cpp cells side by side (fp32 and q4)', async () => {
    const matrix = {
      name: 'e2e engines',
      models: ['forge:gpt2-tiny', 'forge:llama-tiny'],
      variants: [
        { dtype: 'fp32', cache: true },
        { dtype: 'q4', cache: true },
      ],
      prompts: ['Hello world', 'Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [8],
      threads: [1],
      repetitions: 2,
      warmup: 1,
      engines: ['inferlab', 'transformers.js', 'llama.cpp'],
    };
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, matrix);
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => [c.status, c.error])).toEqual(new Array(12).fill(['done', null]));

    const results = await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`);
    const cell = (model: string, dtype: string, engine: string) =>
      results.cells.find((c: any) => c.config.model === model && c.config.variant.dtype === dtype && c.config.engine === engine);
    for (const model of ['forge:gpt2-tiny', 'forge:llama-tiny']) {
      for (const dtype of ['fp32', 'q4']) {
        const llama = cell(model, dtype, 'llama.cpp');
        expect(llama.environment.engine).toMatch(/^llama\.cpp \S+ \(node-llama-cpp 3\.21\.1, cpu\)$/);
        expect(llama.seed.tokens_per_s).toBeGreaterThan(0);
      }
      // The recorder's rows: llama.cpp's greedy tokens are our engine's (fp32 GGUF = fp32 graph).
      const db = new Database(join(f.dataDir, 'inferlab.sqlite'), { readonly: true });
      try {
        const tokens = (engine: string) =>
          db
            .prepare('select output_token_ids as ids from requests where cell_id = ? order by repetition, prompt_index')
            .all(cell(model, 'fp32', engine).cellId)
            .map((r: any) => r.ids);
        expect(tokens('llama.cpp')).toHaveLength(4);
        expect(tokens('llama.cpp')).toEqual(tokens('inferlab'));
      } finally {
        db.close();
      }
    }
  }, 300_000);

  it('answers a dtype llama.cpp has no file for with a 400 naming the variant', async () => {
    const res = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'int8', cache: true }],
      prompts: ['a'],
      engines: ['llama.cpp'],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/variants\.0\.dtype/);
    expect(JSON.stringify(res.body)).toMatch(/llama\.cpp engine has no file for dtype int8/);
  });
});
