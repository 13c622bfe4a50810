import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { forgeModel } from '../forge-model.ts';
import { FORGE_MODELS } from '../forge-models.ts';
import { gpt2Weights } from '../gpt2-weights.ts';
import { emptyPast, maxAbsDiff, ortGreedy, step, TEST_CACHE_DIR } from '../test-helpers.ts';
import { importGpt2Checkpoint } from './import-gpt2-checkpoint.ts';
import { Gpt2ImportError, readGpt2Checkpoint } from './read-gpt2-checkpoint.ts';
import { SafetensorsFile } from './safetensors-read.ts';
import { encodeSafetensors, type TensorToWrite } from './safetensors-write.ts';
import { writeGpt2Checkpoint } from './write-gpt2-checkpoint.ts';

// Round trip through Hugging Face's layout: gpt2-tiny's forge weights written as an HF
// checkpoint (wte as (vocab, n_embd), Conv1D (in, out), `transformer.` names), imported back,
// run in onnxruntime beside the forge model. The same float32 values through the same graph
// builder must give the same bytes, so the expected logit difference is exactly 0.
const spec = FORGE_MODELS['gpt2-tiny'];
const V = spec.vocabSize;
const PROMPTS = [
  [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373], // "The quick brown fox … It was"
  [15496, 11, 995, 0], // "Hello, world!"
  [50256],
];

let work: string;
let forgeDir: string;
let forgeSession: ort.InferenceSession;
let importedSession: ort.InferenceSession;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'inferlab-import-'));
  forgeDir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  writeGpt2Checkpoint(join(work, 'hf'), 'gpt2-tiny', spec, gpt2Weights(spec));
  importGpt2Checkpoint(join(work, 'hf'), join(work, 'imported'));
  forgeSession = await ort.InferenceSession.create(join(forgeDir, MODEL_FILE), { intraOpNumThreads: 1 });
  importedSession = await ort.InferenceSession.create(join(work, 'imported', MODEL_FILE), { intraOpNumThreads: 1 });
}, 120_000);
afterAll(async () => {
  await forgeSession?.release();
  await importedSession?.release();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('importGpt2Checkpoint', () => {
  it('recovers the forge weights exactly, with or without the transformer. prefix', () => {
    writeGpt2Checkpoint(join(work, 'bare'), 'gpt2-tiny', spec, gpt2Weights(spec), { prefix: false });
    const original = gpt2Weights(spec);
    for (const dir of ['hf', 'bare']) {
      const { spec: imported, weights } = readGpt2Checkpoint(join(work, dir));
      expect({ ...imported, seed: spec.seed }).toEqual(spec);
      expect([...weights.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [name, w] of original) {
        const got = weights.get(name);
        expect(got?.dims, name).toEqual(w.dims);
        // Bitwise equality (toEqual on 3.2M-element arrays takes seconds).
        expect(got && Buffer.compare(bytesOf(got.data), bytesOf(w.data)), name).toBe(0);
      }
    }
  });

  it('writes the same onnx/model.onnx bytes as forge', () => {
    expect(sha(join(work, 'imported', MODEL_FILE))).toBe(sha(join(forgeDir, MODEL_FILE)));
  });

  it('gives the forge model’s logits on every prompt, with and without the KV cache', async () => {
    let worst = 0;
    for (const prompt of PROMPTS) {
      const n = prompt.length;
      const a = await step(forgeSession, spec, [prompt], [Array(n).fill(1)], [range(n)], emptyPast(spec));
      const b = await step(importedSession, spec, [prompt], [Array(n).fill(1)], [range(n)], emptyPast(spec));
      expect(b.dims).toEqual([1, n, V]);
      worst = Math.max(worst, maxAbsDiff(a.logits, b.logits));
      const ga = await ortGreedy(forgeSession, spec, prompt, 4);
      const gb = await ortGreedy(importedSession, spec, prompt, 4);
      expect(gb.tokens).toEqual(ga.tokens);
      ga.stepLogits.forEach((l, i) => {
        worst = Math.max(worst, maxAbsDiff(l, gb.stepLogits[i] as Float32Array));
      });
    }
    expect(worst).toBe(0);
  });

  it('refuses what the forge graph cannot compute', () => {
    const hf = join(work, 'hf');
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8'));
    const variant = (dir: string, patch: object) => {
      writeGpt2Checkpoint(join(work, dir), 'gpt2-tiny', spec, gpt2Weights(spec));
      writeFileSync(join(work, dir, 'config.json'), JSON.stringify({ ...config, ...patch }));
      return join(work, dir);
    };
    expect(() => readGpt2Checkpoint(variant('relu', { activation_function: 'relu' }))).toThrow(Gpt2ImportError);
    expect(() => readGpt2Checkpoint(variant('wide', { n_embd: 128 }))).toThrow(/shape/);
    // An explicit lm_head.weight is accepted when it equals wte (tied) and refused otherwise.
    const withHead = (dir: string, head: (wte: Float32Array) => Float32Array) => {
      const path = join(variant(dir, {}), 'model.safetensors');
      const file = new SafetensorsFile(readFileSync(path));
      const tensors = new Map<string, TensorToWrite>();
      for (const [name, info] of file.tensors) tensors.set(name, { shape: info.shape, data: file.read(name) });
      const wte = file.read('transformer.wte.weight');
      tensors.set('lm_head.weight', { shape: [V, spec.nEmbd], data: head(wte) });
      writeFileSync(path, encodeSafetensors(tensors));
      return join(work, dir);
    };
    expect(readGpt2Checkpoint(withHead('tied', (wte) => wte)).weights.size).toBe(gpt2Weights(spec).size);
    const untied = withHead('untied', (wte) => wte.map((x) => x * 2));
    expect(() => readGpt2Checkpoint(untied)).toThrow(/untied/);
    expect(() => readGpt2Checkpoint(join(work, 'missing'))).toThrow(Gpt2ImportError);
  });
});
