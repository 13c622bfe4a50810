import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { LlamaCppRunner } from '../engine/llama-cpp-runner.ts';
import { FORGE_MODELS } from '../forge/forge-models.ts';
import { gpt2Weights } from '../forge/gpt2-weights.ts';
import { HF_PREFIX, transpose2d } from '../forge/import/gpt2-hf-layout.ts';
import { importGpt2Checkpoint } from '../forge/import/import-gpt2-checkpoint.ts';
import { writeGpt2Checkpoint } from '../forge/import/write-gpt2-checkpoint.ts';
import { createModel, DataType, GraphBuilder, writeModelFile } from '../onnx/index.ts';
import { ensureGgufFile, GGUF_FILES, readGgufManifest } from './gguf-file.ts';
import { GgufError } from './gguf-format.ts';

// Folders other than forge's: an imported HF checkpoint (no forge manifest: the source sha256 is
// hashed), an Optimum-style export whose ONNX initializers keep HF's names, an F16 file. Each
// GGUF must give forge gpt2-tiny's greedy tokens in llama.cpp.

const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const N = 16;
const spec = FORGE_MODELS['gpt2-tiny'];
let forgeDir: string;
let work: string;
let reference: number[];
const runners: LlamaCppRunner[] = [];
const greedy = async (folder: string, dtype: 'fp32' | 'fp16') => {
  const r = await LlamaCppRunner.load(folder, { dtype, threads: 1, gpu: false });
  runners.push(r);
  return (await r.generate(PROMPT, { maxNewTokens: N, useCache: true, eosTokenIds: [] })).outputTokenIds;
};
const carryTokenizer = (to: string) => {
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(forgeDir, f), join(to, f));
};

beforeAll(async () => {
  forgeDir = join(await sharedModelsDir(['gpt2-tiny']), 'forge', 'gpt2-tiny');
  work = mkdtempSync(join(tmpdir(), 'inferlab-gguf-'));
  reference = await greedy(forgeDir, 'fp32');
}, 300_000);
afterAll(async () => {
  for (const r of runners) await r.release();
  rmSync(work, { recursive: true, force: true });
});

describe('GGUF of folders forge did not write', () => {
  it('an imported HF GPT-2 checkpoint: same tokens; the entry names the hashed source and is reused', async () => {
    writeGpt2Checkpoint(join(work, 'hf'), 'gpt2-tiny', spec, gpt2Weights(spec));
    const folder = join(work, 'imported');
    importGpt2Checkpoint(join(work, 'hf'), folder);
    expect(await greedy(folder, 'fp32')).toEqual(reference);
    const entry = readGgufManifest(folder, 'F32');
    expect(entry?.source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry?.bytes).toBe(statSync(join(folder, GGUF_FILES.F32)).size);
    const mtime = statSync(join(folder, GGUF_FILES.F32)).mtimeMs;
    await ensureGgufFile(folder, 'F32');
    expect(statSync(join(folder, GGUF_FILES.F32)).mtimeMs).toBe(mtime); // current: not rebuilt
  });

  it("an export whose ONNX initializers keep HF's names (transformer.*, wte (vocab, d)): same tokens", async () => {
    const folder = join(work, 'hub');
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    carryTokenizer(folder);
    const g = new GraphBuilder('hub');
    for (const [name, w] of gpt2Weights(spec)) {
      if (name === 'wte_t')
        g.initializer(
          `${HF_PREFIX}wte.weight`,
          DataType.FLOAT,
          [spec.vocabSize, spec.nEmbd],
          transpose2d(w.data, spec.nEmbd, spec.vocabSize),
        );
      else g.initializer(`${HF_PREFIX}${name === 'wpe' ? 'wpe.weight' : name}`, DataType.FLOAT, w.dims, w.data);
    }
    writeModelFile(join(folder, 'onnx', 'model.onnx'), createModel(g.build()));
    expect(await greedy(folder, 'fp32')).toEqual(reference);
  });

  it('F16: loads and generates, 2-D weights in F16; norms, biases and position embeddings in F32', async () => {
    const tokens = await greedy(forgeDir, 'fp16');
    expect(tokens).toHaveLength(N);
    expect(readGgufManifest(forgeDir, 'F16')?.tensorTypes).toEqual({ F16: 9, F32: 19 }); // token_embd + 4 matrices × 2 layers; norms, biases, position_embd;
    console.log(`gpt2-tiny F16 greedy: ${tokens.filter((t, i) => t === reference[i]).length}/${N} tokens as F32`);
  });

  it('refuses an architecture it has no writer for, by name', async () => {
    const folder = join(work, 'bert');
    mkdirSync(join(folder, 'onnx'), { recursive: true });
    carryTokenizer(folder);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    writeModelFile(join(folder, 'onnx', 'model.onnx'), createModel(new GraphBuilder('empty').build()));
    await expect(ensureGgufFile(folder, 'F32')).rejects.toThrow(GgufError);
    await expect(ensureGgufFile(folder, 'F32')).rejects.toThrow(/model_type "bert" has no GGUF writer/);
  });
});
