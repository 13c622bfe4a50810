import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { forgeModel, readForgeManifest } from '../forge-model.ts';
import { FORGE_MODELS, forgeSpec, isForgeModelName } from '../forge-models.ts';
import { TEST_CACHE_DIR } from '../test-helpers.ts';
import { buildLlamaFolder } from './build-llama-folder.ts';
import { llamaParamCount } from './llama-weights.ts';

// The forge llama folder: registered names, deterministic bytes (the RoPE tables included), the
// LlamaConfig fields, and what the eager quantized variants did to the graph.

const work = mkdtempSync(join(tmpdir(), 'inferlab-llama-folder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('forge llama folders', () => {
  it('are registered as llama specs beside the gpt2 ones', () => {
    expect(isForgeModelName('llama-tiny') && isForgeModelName('llama-mini')).toBe(true);
    expect(forgeSpec('llama-tiny')).toMatchObject({ family: 'llama', nHead: 4, nKvHead: 2, headDim: 16, tieWordEmbeddings: true });
    expect(forgeSpec('llama-mini')).toMatchObject({ family: 'llama', nHead: 8, nKvHead: 2, headDim: 32, tieWordEmbeddings: false });
  });

  it('build byte-identically every time, with a LlamaConfig and the eager variants', async () => {
    const cached = await forgeModel('llama-tiny', { cacheDir: TEST_CACHE_DIR });
    const fresh = buildLlamaFolder('llama-tiny', FORGE_MODELS['llama-tiny'], join(work, 'a'));
    expect(buildLlamaFolder('llama-tiny', FORGE_MODELS['llama-tiny'], join(work, 'b')).files).toEqual(fresh.files);
    // The graph and config bytes match the cached folder's, whichever process built it.
    for (const rel of [MODEL_FILE, 'config.json', 'tokenizer.json'])
      expect(fresh.files[rel]).toEqual(readForgeManifest(cached)?.files[rel]);
    expect(fresh.paramCount).toBe(llamaParamCount(FORGE_MODELS['llama-tiny']));
    expect(Object.keys(fresh.files)).toEqual(
      expect.arrayContaining([MODEL_FILE, 'onnx/model_int8.onnx', 'onnx/model_uint8.onnx', 'onnx/model_q4.onnx']),
    );

    const config = JSON.parse(readFileSync(join(cached, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      num_key_value_heads: 2,
      head_dim: 16,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: true,
      bos_token_id: 50256,
      eos_token_id: 50256,
      vocab_size: 50257,
    });
    // Tied: the int8 and q4 embedding Gathers read the LM head's quantized table (one copy).
    expect([fresh.int8.gathersRewritten, fresh.q4.gathersRewritten]).toEqual([1, 1]);
    // 7 projections per layer + the head in int8; q4 packs at least all but down_proj (whose input
    // width 172 is not a multiple of the block: packed or left fp32 is the rewriter's call).
    expect(fresh.int8.matmulsQuantized).toBe(2 * 7 + 1);
    const q4 = fresh.q4.weightsQuantized.filter((w) => !w.includes('down_proj'));
    expect(q4.sort()).toEqual(
      [
        'embed_tokens_t',
        ...[0, 1].flatMap((i) =>
          ['q', 'k', 'v', 'o', 'gate', 'up'].map(
            (p) => `layers.${i}.${p === 'gate' || p === 'up' ? 'mlp' : 'self_attn'}.${p}_proj.weight_t`,
          ),
        ),
      ].sort(),
    );
  }, 120_000);
});
