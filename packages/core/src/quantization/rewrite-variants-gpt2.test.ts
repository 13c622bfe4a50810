import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, type Tensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { forgeModel } from '../forge/forge-model.ts';
import { FORGE_MODELS } from '../forge/forge-models.ts';
import { maxAbsDiff, ortGreedy, TEST_CACHE_DIR } from '../forge/test-helpers.ts';
import { type ModelProto, readModelFile, writeModelFile } from '../onnx/index.ts';
import { ModelPool } from '../runtime/model-pool.ts';
import { rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
import { rewriteFp16Weights } from './rewrite-fp16-weights.ts';
import { rewriteMatMulNBits } from './rewrite-matmul-nbits.ts';
import type { Variant } from './variant-files.ts';

// Every new variant of forge gpt2-tiny, written by the rewriters beside a copy of its folder,
// generates greedily in our engine and in transformers.js 4.3 — which loads a non-standard file
// name through `model_file_name` (the stem under onnx/) with dtype fp32 (no suffix added) — and
// both pick the same tokens (same graph, same onnxruntime build).

const PROMPT = 'The quick brown fox';
const NEW_TOKENS = 8;
const PROMPT_IDS = [464, 2068, 7586, 21831]; // 'The quick brown fox' in GPT-2's vocabulary
type Case = { variant: string; stem: string; build: (m: ModelProto) => ModelProto };
const CASES: Case[] = [
  { variant: 'fp16', stem: 'model_fp16', build: (m) => rewriteFp16Weights(m).model },
  { variant: 'int8-per-tensor', stem: 'model_int8_per_tensor', build: (m) => rewriteDynamicInt8(m, { granularity: 'per-tensor' }).model },
  { variant: 'int8-asym', stem: 'model_int8_asym', build: (m) => rewriteDynamicInt8(m, { symmetric: false }).model },
  {
    variant: 'int8-asym-per-tensor',
    stem: 'model_int8_asym_per_tensor',
    build: (m) => rewriteDynamicInt8(m, { symmetric: false, granularity: 'per-tensor' }).model,
  },
  {
    variant: 'uint8-per-tensor',
    stem: 'model_uint8_per_tensor',
    build: (m) => rewriteDynamicInt8(m, { signed: false, granularity: 'per-tensor' }).model,
  },
  { variant: 'q8', stem: 'model_q8', build: (m) => rewriteMatMulNBits(m, { bits: 8, blockSize: 32 }).model },
  { variant: 'q8-b64', stem: 'model_q8_b64', build: (m) => rewriteMatMulNBits(m, { bits: 8, blockSize: 64 }).model },
  { variant: 'q8-b128', stem: 'model_q8_b128', build: (m) => rewriteMatMulNBits(m, { bits: 8, blockSize: 128 }).model },
  { variant: 'q4-b64', stem: 'model_q4_b64', build: (m) => rewriteMatMulNBits(m, { bits: 4, blockSize: 64 }).model },
  { variant: 'q4-b128', stem: 'model_q4_b128', build: (m) => rewriteMatMulNBits(m, { bits: 4, blockSize: 128 }).model },
];

let dir: string;
let fp32Bytes: number;
let fp32Logits: Float32Array[];
const spec = FORGE_MODELS['gpt2-tiny'];

/** Each greedy step's last-row logits (vocab) from a bare onnxruntime loop over one file. */
async function stepLogits(file: string, ids: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(file);
  const { stepLogits: steps } = await ortGreedy(session, spec, ids, 3);
  await session.release();
  return steps;
}
const pool = new ModelPool(2);
beforeAll(async () => {
  const forged = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  dir = mkdtempSync(join(tmpdir(), 'inferlab-variants-'));
  mkdirSync(join(dir, 'onnx'));
  for (const f of readdirSync(forged)) if (statSync(join(forged, f)).isFile()) copyFileSync(join(forged, f), join(dir, f));
  const fp32 = readModelFile(join(forged, 'onnx/model.onnx'));
  fp32Bytes = statSync(join(forged, 'onnx/model.onnx')).size;
  fp32Logits = await stepLogits(join(forged, 'onnx/model.onnx'), PROMPT_IDS);
  for (const c of CASES) writeModelFile(join(dir, 'onnx', `${c.stem}.onnx`), c.build(fp32));
  env.allowRemoteModels = false;
}, 120_000);
afterAll(() => pool.clear());

async function transformersJsTokens(options: { dtype: 'fp32' | 'fp16'; model_file_name?: string }): Promise<number[]> {
  const [tokenizer, model] = await Promise.all([
    AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
    AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, ...options }),
  ]);
  const inputs = tokenizer(PROMPT);
  const out = (await model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, do_sample: false })) as Tensor;
  await model.dispose();
  return ((out.tolist() as bigint[][])[0] ?? []).slice(tokenizer.encode(PROMPT).length).map(Number);
}

function resolved(variant: string, stem: string) {
  return { id: `dir:${dir}`, folder: dir, file: join(dir, 'onnx', `${stem}.onnx`), variant: variant as Variant };
}

describe('gpt2-tiny variants from the rewriters', () => {
  for (const c of CASES) {
    it(`${c.variant}: generates in our engine and in transformers.js (model_file_name '${c.stem}'), same tokens`, async () => {
      const m = await pool.get(resolved(c.variant, c.stem), { threads: 1, executionProvider: 'cpu' });
      const strategy = greedyStrategy(m.session, { useCache: true });
      const ours = await generate(m.tokenizer, PROMPT, { maxNewTokens: NEW_TOKENS, strategy, eosTokenIds: [] });
      expect(ours.outputTokenIds).toHaveLength(NEW_TOKENS);
      expect(await transformersJsTokens({ dtype: 'fp32', model_file_name: c.stem })).toEqual(ours.outputTokenIds);
      if (c.variant === 'fp16') expect(await transformersJsTokens({ dtype: 'fp16' })).toEqual(ours.outputTokenIds); // its own name
      // The variant's logits stay near fp32's (a broken scheme gives logits of another scale).
      const logits = await stepLogits(join(dir, 'onnx', `${c.stem}.onnx`), PROMPT_IDS);
      const range = Math.max(...(fp32Logits[0] ?? []).map(Math.abs));
      const drift = Math.max(...logits.map((l, i) => maxAbsDiff(l, fp32Logits[i] as Float32Array))) / range;
      expect(drift).toBeLessThan(c.variant === 'fp16' ? 1e-3 : c.variant.startsWith('q4') ? 0.3 : 0.1);
      const ratio = statSync(join(dir, 'onnx', `${c.stem}.onnx`)).size / fp32Bytes;
      console.log(
        `${c.variant}: size ${ratio.toFixed(3)} × fp32, max logit drift ${drift.toExponential(2)} of range, tokens ${JSON.stringify(ours.outputTokenIds)}`,
      );
    }, 60_000);
  }
});
