import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../onnx/index.ts';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { forgeModel } from '../forge-model.ts';
import { FORGE_MODELS } from '../forge-models.ts';
import { buildLlamaModel } from '../llama/llama-graph.ts';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { type LlamaWeights, llamaWeights } from '../llama/llama-weights.ts';
import { emptyPast, maxAbsDiff, ortGreedy, step, TEST_CACHE_DIR } from '../test-helpers.ts';
import { SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE } from './checkpoint-tensors.ts';
import { halfBytes } from './half-float-encode.ts';
import { importLlamaCheckpoint } from './import-llama-checkpoint.ts';
import { readLlamaCheckpoint } from './read-llama-checkpoint.ts';
import { SafetensorsFile } from './safetensors-read.ts';
import { encodeSafetensors } from './safetensors-write.ts';
import { writeLlamaCheckpoint } from './write-llama-checkpoint.ts';

// Round trips through Hugging Face's Llama layout: forge weights written as an HF checkpoint
// (`model.` names, Linear (out, in), lm_head only when untied; F32, F16 or BF16; one file or
// shards), imported back, run in onnxruntime. F32: the same float32 values through the same
// graph builder give the same bytes, so the expected logit difference is exactly 0. F16/BF16: the
// import must equal the forge weights rounded to nearest even, so its logits equal (exactly) those
// of a graph built from the rounded weights, and differ from fp32 by the rounding's effect.

const tiny = FORGE_MODELS['llama-tiny']; // tied, 4 heads over 2 KV heads
/** Untied, 4 query heads on one KV head (multi-query), small enough to write several times. */
const untied: LlamaSpec = { ...tiny, tieWordEmbeddings: false, nKvHead: 1, seed: 21 };
const PROMPT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373];

let work: string;
const at = (...p: string[]) => join(work, ...p);
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'inferlab-llama-import-'));
});
afterAll(async () => {
  for (const s of opened) await s.release();
  rmSync(work, { recursive: true, force: true });
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const opened: ort.InferenceSession[] = [];
const session = async (source: string | Uint8Array) => {
  const s = await ort.InferenceSession.create(source as string, { intraOpNumThreads: 1 });
  opened.push(s);
  return s;
};

/** Prefill logits and 4 greedy KV-cache steps' logits of two sessions: worst |Δ| and both token lists. */
async function compare(spec: LlamaSpec, a: ort.InferenceSession, b: ort.InferenceSession) {
  const n = PROMPT.length;
  const run = (s: ort.InferenceSession) => step(s, spec, [PROMPT], [Array(n).fill(1)], [PROMPT.map((_, i) => i)], emptyPast(spec));
  let worst = maxAbsDiff((await run(a)).logits, (await run(b)).logits);
  const [ga, gb] = [await ortGreedy(a, spec, PROMPT, 4), await ortGreedy(b, spec, PROMPT, 4)];
  ga.stepLogits.forEach((l, i) => {
    worst = Math.max(worst, maxAbsDiff(l, gb.stepLogits[i] as Float32Array));
  });
  return { worst, tokens: [ga.tokens, gb.tokens] };
}

function expectSameWeights(got: LlamaWeights, want: LlamaWeights): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, w] of want) {
    const g = got.get(name);
    expect(g?.dims, name).toEqual(w.dims);
    expect(g && Buffer.compare(bytesOf(g.data), bytesOf(w.data)), name).toBe(0); // bitwise
  }
}

describe('importLlamaCheckpoint', () => {
  it('tied (llama-tiny): recovers the weights bitwise and writes forge’s exact model.onnx; logits Δ = 0', async () => {
    const forgeDir = await forgeModel('llama-tiny', { cacheDir: TEST_CACHE_DIR });
    writeLlamaCheckpoint(at('tied'), 'llama-tiny', tiny, llamaWeights(tiny));
    const header = new SafetensorsFile(readFileSync(at('tied', SAFETENSORS_FILE)));
    expect(header.tensors.has('lm_head.weight')).toBe(false); // one copy of the table, as save_pretrained writes
    expect(header.info('model.layers.0.self_attn.k_proj.weight').shape).toEqual([tiny.nKvHead * tiny.headDim, tiny.hidden]);
    expectSameWeights(readLlamaCheckpoint(at('tied')).weights, llamaWeights(tiny));
    const { spec } = importLlamaCheckpoint(at('tied'), at('tied-onnx'));
    expect({ ...spec, seed: tiny.seed }).toEqual(tiny);
    expect(sha(at('tied-onnx', MODEL_FILE))).toBe(sha(join(forgeDir, MODEL_FILE)));
    const [a, b] = [await session(join(forgeDir, MODEL_FILE)), await session(at('tied-onnx', MODEL_FILE))];
    const { worst, tokens } = await compare(tiny, a, b);
    expect(tokens[1]).toEqual(tokens[0]);
    expect(worst).toBe(0);
  }, 120_000);

  it('untied, sharded in 3 files with an index: logits Δ = 0 against the forge graph', async () => {
    const weights = llamaWeights(untied);
    writeLlamaCheckpoint(at('untied'), 'untied', untied, weights, { shards: 3 });
    const index = JSON.parse(readFileSync(at('untied', SAFETENSORS_INDEX_FILE), 'utf8'));
    expect(new Set(Object.values(index.weight_map)).size).toBe(3);
    expect(index.weight_map['lm_head.weight']).toMatch(/^model-0000[1-3]-of-00003\.safetensors$/); // untied: stored, in a shard
    expectSameWeights(readLlamaCheckpoint(at('untied')).weights, weights);
    importLlamaCheckpoint(at('untied'), at('untied-onnx'));
    const [a, b] = [await session(encodeModel(buildLlamaModel(untied, weights))), await session(at('untied-onnx', MODEL_FILE))];
    const { worst, tokens } = await compare(untied, a, b);
    expect(tokens[1]).toEqual(tokens[0]);
    expect(worst).toBe(0);
  }, 120_000);

  for (const dtype of ['F16', 'BF16'] as const) {
    it(`${dtype}: imports the weights rounded to nearest even; logits equal the rounded graph’s exactly`, async () => {
      const weights = llamaWeights(tiny);
      writeLlamaCheckpoint(at(dtype), 'llama-tiny', tiny, weights, { dtype });
      // The expected rounding, decoded by the safetensors reader from the encoder's bytes.
      const rounded: LlamaWeights = new Map();
      for (const [name, w] of weights) {
        const bytes = halfBytes(w.data, dtype);
        const file = new SafetensorsFile(encodeSafetensors(new Map([['x', { shape: [w.data.length], dtype, bytes }]])));
        rounded.set(name, { dims: w.dims, data: file.read('x') });
      }
      expectSameWeights(readLlamaCheckpoint(at(dtype)).weights, rounded);
      importLlamaCheckpoint(at(dtype), at(`${dtype}-onnx`));
      expect(JSON.parse(readFileSync(at(`${dtype}-onnx`, 'config.json'), 'utf8')).torch_dtype).toBe('float32');
      const imported = await session(at(`${dtype}-onnx`, MODEL_FILE));
      const exact = await compare(tiny, await session(encodeModel(buildLlamaModel(tiny, rounded))), imported);
      expect(exact.worst).toBe(0);
      const vsFp32 = await compare(tiny, await session(encodeModel(buildLlamaModel(tiny, weights))), imported);
      console.log(
        `llama-tiny ${dtype} checkpoint vs fp32 forge: max |Δlogit| ${vsFp32.worst.toExponential(2)}; tokens ${vsFp32.tokens.join(' | ')}`,
      );
      expect(vsFp32.worst).toBeGreaterThan(0); // the rounding is real
      expect(vsFp32.worst).toBeLessThan(dtype === 'F16' ? 1e-3 : 2e-2); // and small: 2^-11 / 2^-8 relative per weight
    }, 120_000);
  }
});
