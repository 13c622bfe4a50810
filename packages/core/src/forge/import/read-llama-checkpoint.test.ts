import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FORGE_MODELS } from '../forge-models.ts';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { llamaWeights } from '../llama/llama-weights.ts';
import { SAFETENSORS_FILE } from './checkpoint-tensors.ts';
import { importLlamaCheckpoint } from './import-llama-checkpoint.ts';
import { LlamaImportError } from './llama-config-fields.ts';
import { readLlamaCheckpoint } from './read-llama-checkpoint.ts';
import { SafetensorsFile } from './safetensors-read.ts';
import { encodeSafetensors, type TensorToWrite } from './safetensors-write.ts';
import { writeLlamaCheckpoint } from './write-llama-checkpoint.ts';

// What the importer refuses, and how it says so: each error names the config field or tensor and,
// where there is one, the fix. Checkpoints are llama-tiny's forge weights with one thing changed.

const tiny = FORGE_MODELS['llama-tiny'];
const untied: LlamaSpec = { ...tiny, tieWordEmbeddings: false, nKvHead: 1, seed: 21 };
const work = mkdtempSync(join(tmpdir(), 'inferlab-llama-refuse-'));
const at = (...p: string[]) => join(work, ...p);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readLlamaCheckpoint refuses what it cannot compute', () => {
  const tensorsOf = (dir: string) => {
    const file = new SafetensorsFile(readFileSync(join(dir, SAFETENSORS_FILE)));
    return new Map<string, TensorToWrite>([...file.tensors].map(([n, info]) => [n, { shape: info.shape, data: file.read(n) }]));
  };
  /** A copy of the tied F32 checkpoint with config fields patched and tensors edited. */
  const variant = (name: string, patch: object, edit?: (t: Map<string, TensorToWrite>) => void) => {
    const dir = at(`bad-${name}`);
    writeLlamaCheckpoint(dir, 'llama-tiny', tiny, llamaWeights(tiny));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...patch }));
    if (edit) {
      const t = tensorsOf(dir);
      edit(t);
      writeFileSync(join(dir, SAFETENSORS_FILE), encodeSafetensors(t));
    }
    return dir;
  };
  const refused = (dir: string, message: RegExp) => {
    expect(() => readLlamaCheckpoint(dir)).toThrow(LlamaImportError);
    expect(() => readLlamaCheckpoint(dir)).toThrow(message);
  };

  it('names the config field and why', () => {
    refused(
      variant('llama3-rope', { rope_scaling: { rope_type: 'llama3', factor: 8 } }),
      /rope_scaling\.rope_type = "llama3".*only unscaled RoPE/,
    );
    refused(variant('v5-rope', { rope_parameters: { rope_type: 'yarn', rope_theta: 1e4 } }), /rope_parameters\.rope_type = "yarn"/);
    refused(variant('bias', { attention_bias: true }), /attention_bias = true .*no biases/);
    refused(variant('gelu', { hidden_act: 'gelu' }), /hidden_act = "gelu"/);
    refused(variant('mistral', { model_type: 'mistral' }), /model_type = "mistral"/);
    refused(variant('gqa', { num_key_value_heads: 3 }), /num_attention_heads 4 is not a multiple of num_key_value_heads 3/);
    refused(variant('no-heads', { num_attention_heads: undefined }), /num_attention_heads = undefined; expected a positive integer/);
    // An explicit default rope and transformers 5's rope_parameters theta are read, not refused.
    expect(readLlamaCheckpoint(variant('default-rope', { rope_scaling: { rope_type: 'default' } })).spec.ropeTheta).toBe(10000);
    expect(readLlamaCheckpoint(variant('v5-theta', { rope_parameters: { rope_type: 'default', rope_theta: 5e5 } })).spec.ropeTheta).toBe(
      5e5,
    );
  });

  it('names the missing tensor, the bad shape, the missing head and the shard', () => {
    refused(
      variant('missing', {}, (t) => t.delete('model.layers.1.mlp.up_proj.weight')),
      /no tensor 'model\.layers\.1\.mlp\.up_proj\.weight'/,
    );
    refused(
      variant('wide', { intermediate_size: 200 }),
      /'model\.layers\.0\.mlp\.gate_proj\.weight' has shape \[172,64\], expected \[200,64\]/,
    );
    refused(variant('untied-no-head', { tie_word_embeddings: false }), /no tensor 'lm_head\.weight'.*set it true/);
    const head = (t: Map<string, TensorToWrite>, scale: number) => {
      const embed = t.get('model.embed_tokens.weight') as { shape: number[]; data: Float32Array };
      t.set('lm_head.weight', { shape: embed.shape, data: embed.data.map((x) => x * scale) });
    };
    refused(
      variant('tied-other-head', {}, (t) => head(t, 2)),
      /'lm_head\.weight' differs from 'model\.embed_tokens\.weight'/,
    );
    expect(readLlamaCheckpoint(variant('tied-same-head', {}, (t) => head(t, 1))).weights.size).toBe(llamaWeights(tiny).size);
    const sharded = at('bad-shard');
    writeLlamaCheckpoint(sharded, 'untied', untied, llamaWeights(untied), { shards: 2 });
    unlinkSync(join(sharded, 'model-00002-of-00002.safetensors'));
    expect(() => readLlamaCheckpoint(sharded)).toThrow(/names shard model-00002-of-00002\.safetensors, which is not in/);
    expect(() => readLlamaCheckpoint(at('nothing'))).toThrow(/has no config\.json/);
    // A Llama-3.2-1B-sized config: 4.6 GiB of float32 cannot be one ONNX file; refused before any tensor is read.
    const big = variant('too-big', {
      hidden_size: 2048,
      intermediate_size: 8192,
      num_hidden_layers: 16,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 64,
      vocab_size: 128256,
    });
    expect(() => importLlamaCheckpoint(big, at('too-big-onnx'))).toThrow(
      /4\.6\d GiB of float32 weights; one ONNX file holds at most 2 GiB/,
    );
  });
});
