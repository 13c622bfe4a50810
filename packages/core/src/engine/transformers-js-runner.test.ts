import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { greedyStrategy } from '../decoding/greedy.ts';
import { ensureForgeVariant } from '../forge/forge-variant.ts';
import { VARIANT_FILES } from '../quantization/variant-files.ts';
import { readDecoderConfig } from '../runtime/decoder-config.ts';
import { DecoderSession } from '../runtime/decoder-session.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { generate } from './generate.ts';
import { TransformersJsRunner, UnsupportedEngineConfigError } from './transformers-js-runner.ts';

const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
let folder: string;
let runner: TransformersJsRunner;
beforeAll(async () => {
  folder = join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny');
  runner = await TransformersJsRunner.load(folder, { dtype: 'fp32', threads: 1, device: 'cpu' });
}, 120_000);
afterAll(() => runner?.release());

describe('TransformersJsRunner', () => {
  it('generates the same greedy tokens as our engine, timed into the same record shape', async () => {
    const config = await readDecoderConfig(folder);
    const session = await DecoderSession.load(join(folder, 'onnx/model.onnx'), config, { threads: 1, executionProvider: 'cpu' });
    const tokenizer = await loadTokenizer(folder);
    const ours = await generate(tokenizer, PROMPT, {
      maxNewTokens: 12,
      strategy: greedyStrategy(session, { useCache: true }),
      eosTokenIds: [],
    });
    await session.release();
    const theirs = await runner.generate(PROMPT, { maxNewTokens: 12, useCache: true, eosTokenIds: [] });
    expect(theirs.outputTokenIds).toEqual(ours.outputTokenIds);
    expect(theirs.promptTokens).toBe(ours.promptTokens);
    expect(theirs.events).toHaveLength(12); // one event per token, n = 1
    expect(theirs.events.every((e) => e.n === 1)).toBe(true);
    expect(theirs.events.every((e, i) => i === 0 || e.t >= (theirs.events[i - 1]?.t as number))).toBe(true);
    expect(theirs.events[0]?.t).toBeGreaterThanOrEqual(theirs.tokenizeMs); // TTFT includes tokenization
    expect(theirs.stopReason).toBe('length');
    expect(theirs.kvCacheBytes).toBe(config.layers * 2 * config.kvHeads * (ours.promptTokens + 11) * config.headDim * 4);
  });

  it('stops at an eos id like our engine', async () => {
    const free = await runner.generate(PROMPT, { maxNewTokens: 6, useCache: true, eosTokenIds: [] });
    const stopAt = free.outputTokenIds[2] as number;
    const g = await runner.generate(PROMPT, { maxNewTokens: 6, useCache: true, eosTokenIds: [stopAt] });
    expect(g.outputTokenIds).toEqual(free.outputTokenIds.slice(0, free.outputTokenIds.indexOf(stopAt) + 1));
    expect(g.stopReason).toBe('eos');
  });

  it('applies intraOpNumThreads: onnxruntime starts threads − 1 pool threads for the session', async () => {
    const tasks = () => readdirSync('/proc/self/task').length;
    for (const threads of [1, 3]) {
      const before = tasks();
      const r = await TransformersJsRunner.load(folder, { dtype: 'fp32', threads, device: 'cpu' });
      expect(r.sessionOptions.intraOpNumThreads).toBe(threads);
      expect(tasks() - before).toBe(threads - 1);
      await r.release();
    }
  });

  it('loads a variant by its own file name (model_file_name), not transformers.js dtype suffixes', async () => {
    // A folder holding only onnx/model_q4_b64.onnx: loading succeeds only if that exact file is chosen.
    await ensureForgeVariant(folder, 'q4-b64');
    const only = mkdtempSync(join(tmpdir(), 'tjs-variant-'));
    try {
      for (const f of readdirSync(folder)) if (f.endsWith('.json')) cpSync(join(folder, f), join(only, f));
      cpSync(join(folder, VARIANT_FILES['q4-b64']), join(only, VARIANT_FILES['q4-b64']));
      const config = await readDecoderConfig(only);
      const session = await DecoderSession.load(join(only, VARIANT_FILES['q4-b64']), config, { threads: 1, executionProvider: 'cpu' });
      const ours = await generate(await loadTokenizer(only), PROMPT, {
        maxNewTokens: 12,
        strategy: greedyStrategy(session, { useCache: true }),
        eosTokenIds: [],
      });
      await session.release();
      const q4 = await TransformersJsRunner.load(only, { dtype: 'q4-b64', threads: 1, device: 'cpu' });
      const theirs = await q4.generate(PROMPT, { maxNewTokens: 12, useCache: true, eosTokenIds: [] });
      await q4.release();
      expect(theirs.outputTokenIds).toEqual(ours.outputTokenIds);
      // and a variant whose file is absent fails naming that file
      await expect(TransformersJsRunner.load(only, { dtype: 'q8', threads: 1, device: 'cpu' })).rejects.toThrow(/model_q8\.onnx/);
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses the no-cache mode, which transformers.js does not have', async () => {
    await expect(runner.generate(PROMPT, { maxNewTokens: 2, useCache: false, eosTokenIds: [] })).rejects.toThrow(
      UnsupportedEngineConfigError,
    );
  });
});
