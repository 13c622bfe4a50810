// The decode loop against a real forge model and real onnxruntime sessions.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyStrategy } from '../decoding/greedy.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { type LoadedModel, ModelPool } from '../runtime/model-pool.ts';
import { generate, PromptTooLongError } from './generate.ts';

const modelsDir = resolve(import.meta.dirname, '../../../../data/test-models');
const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world', 'The'];

describe('generate', () => {
  const pool = new ModelPool(2);
  let fp32: LoadedModel;
  let int8: LoadedModel;

  beforeAll(async () => {
    const opts = { modelsDir, modelRoots: [modelsDir] };
    fp32 = await pool.get(await resolveModel('forge:gpt2-tiny', 'fp32', opts), { threads: 1, executionProvider: 'cpu' });
    int8 = await pool.get(await resolveModel('forge:gpt2-tiny', 'int8', opts), { threads: 1, executionProvider: 'cpu' });
  });
  afterAll(() => pool.clear());

  const run = (m: LoadedModel, prompt: string, useCache: boolean, maxNewTokens = 24) =>
    generate(m.tokenizer, prompt, { maxNewTokens, strategy: greedyStrategy(m.session, { useCache }), eosTokenIds: [] });

  it.each(PROMPTS)('KV cache and no cache produce the same greedy tokens: %s', async (prompt) => {
    const a = await run(fp32, prompt, true);
    const b = await run(fp32, prompt, false);
    expect(a.outputTokenIds).toEqual(b.outputTokenIds);
    expect(a.outputTokenIds).toHaveLength(24);
  });

  it('times every token: increasing timestamps after tokenization, one event per token', async () => {
    const g = await run(fp32, PROMPTS[0]!, true);
    expect(g.events).toHaveLength(24);
    expect(g.tokenizeMs).toBeGreaterThan(0);
    expect(g.events[0]!.t).toBeGreaterThan(g.tokenizeMs);
    for (let i = 1; i < g.events.length; i++) expect(g.events[i]!.t).toBeGreaterThan(g.events[i - 1]!.t);
    expect(g.events.every((e) => e.n === 1)).toBe(true);
    expect(g.stopReason).toBe('length');
  });

  it('holds the KV cache of the whole sequence but the last token, and none without cache', async () => {
    const g = await run(fp32, 'Hello world', true, 5);
    const c = fp32.session.config;
    // 2 prompt tokens + 5 generated - the last one (never fed back) = 6 positions.
    expect(g.kvCacheBytes).toBe(c.layers * 2 * c.kvHeads * 6 * c.headDim * 4);
    expect((await run(fp32, 'Hello world', false, 5)).kvCacheBytes).toBe(0);
  });

  it('stops at an eos token and says so', async () => {
    const first = (await run(fp32, 'Hello world', true, 3)).outputTokenIds;
    const g = await generate(fp32.tokenizer, 'Hello world', {
      maxNewTokens: 10,
      strategy: greedyStrategy(fp32.session, { useCache: true }),
      eosTokenIds: [first[1]!],
    });
    const stopAt = first.indexOf(first[1]!); // the first occurrence stops it (maybe index 0)
    expect(g.outputTokenIds).toEqual(first.slice(0, stopAt + 1));
    expect(g.stopReason).toBe('eos');
  });

  it('refuses a prompt longer than the model positions, naming both numbers', async () => {
    const long = 'word '.repeat(200);
    await expect(run(fp32, long, true, 10)).rejects.toThrow(PromptTooLongError);
    await expect(run(fp32, long, true, 10)).rejects.toThrow(/exceeds the model's \d+ positions/);
  });

  it('int8 agrees with fp32 on most greedy tokens (measured, printed)', async () => {
    let same = 0;
    let total = 0;
    for (const p of PROMPTS) {
      const a = (await run(fp32, p, true)).outputTokenIds;
      const b = (await run(int8, p, true)).outputTokenIds;
      let prefix = 0;
      while (prefix < a.length && a[prefix] === b[prefix]) prefix++;
      same += a.filter((t, i) => t === b[i]).length;
      total += a.length;
      console.log(`int8 vs fp32 "${p.slice(0, 24)}…": identical greedy prefix ${prefix}/${a.length}`);
    }
    console.log(`int8 vs fp32 greedy token agreement (position-wise): ${same}/${total}`);
    expect(total).toBe(72);
  });
});
