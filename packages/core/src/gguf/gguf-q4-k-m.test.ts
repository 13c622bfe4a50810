import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlledEvaluateInputItem, Token } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { loadLlama } from '../engine/llama-cpp-backend.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { ggufContent } from './gguf-content.ts';
import { dequantizeTensorData } from './gguf-dequantize.ts';
import { ensureGgufFile, readGgufManifest } from './gguf-file.ts';
import { encodeTensorData } from './gguf-quantize.ts';
import { writeGgufFile } from './gguf-write.ts';

// Q4_K_M in the real llama.cpp, on forge gpt2-mini (rows of 256 and 1,024: whole super-blocks).
// Two checks along a forced English passage, every next-token distribution compared:
// - llama.cpp reads our k-quant blocks as we meant them: the Q4_K_M file and an F32 file of our
//   own dequantization of the same tensors give the same distributions (up to llama.cpp's int8
//   activations), far closer than either is to the F32 original;
// - the file is a usable quantization: top-1 agreement with the F32 original, printed.

const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const PASSAGE =
  ' The cache keeps the keys and values of every layer, so each new token costs one step instead of a pass over the whole text, and the weights are read once per token.';
let folder: string;
let work: string;
let ids: number[];
let from: number;

beforeAll(async () => {
  folder = join(await sharedModelsDir(['gpt2-mini']), 'forge', 'gpt2-mini');
  work = mkdtempSync(join(tmpdir(), 'inferlab-q4km-'));
  const tokenizer = await loadTokenizer(folder);
  const prompt = tokenizer.encode(PROMPT);
  ids = [...prompt, ...tokenizer.encode(PASSAGE).slice(0, 24)];
  from = prompt.length - 1;
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** llama.cpp's next-token distribution (temperature 1, no truncation) at every position from `from` of `ids`. */
async function distributions(modelPath: string): Promise<Map<number, number>[]> {
  const llama = await loadLlama(false);
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 128, batchSize: 128, sequences: 1, threads: 1 });
  try {
    const next = { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } as const;
    const input = ids.map((t, i): ControlledEvaluateInputItem => (i >= from ? [t as Token, { generateNext: next }] : (t as Token)));
    const results = await context.getSequence().controlledEvaluate(input);
    return results.slice(from).map((r) => r?.next?.probabilities ?? new Map());
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

const top1 = (p: Map<number, number>) => [...p].reduce((best, e) => (e[1] > best[1] ? e : best))[0];
/** Mean over positions of KL(p ‖ q), nats. */
const meanKl = (p: Map<number, number>[], q: Map<number, number>[]) =>
  p.reduce((sum, pi, k) => {
    let kl = 0;
    for (const [t, pt] of pi) if (pt > 0) kl += pt * Math.log(pt / Math.max(q[k]?.get(t) ?? 0, 1e-30));
    return sum + kl;
  }, 0) / p.length;
const agreement = (p: Map<number, number>[], q: Map<number, number>[]) =>
  p.filter((pi, k) => top1(pi) === top1(q[k] as Map<number, number>)).length;

describe('Q4_K_M GGUF in llama.cpp', () => {
  it('mixes Q4_K, Q5_K (qkv) and Q6_K (tied head, ffn_down where use_more_bits), F32 norms and positions', async () => {
    await ensureGgufFile(folder, 'Q4_K_M');
    const types = readGgufManifest(folder, 'Q4_K_M')?.tensorTypes;
    // gpt2-mini: 4 layers; use_more_bits(i, 4) holds for layers 2 and 3.
    expect(types).toEqual({ F32: 1 + 4 * 8 + 2, Q6_K: 1 + 2, Q4_K: 4 * 2 + 2, Q5_K: 4 });
  });

  it('reads our blocks as we meant them, and agrees with F32 on the next token', async () => {
    const content = ggufContent(folder, 'Q4_K_M');
    const dequantized = join(work, 'dequantized-f32.gguf');
    writeGgufFile(dequantized, {
      metadata: content.metadata,
      tensors: content.tensors.map((t) => ({
        ...t,
        type: 'F32' as const,
        values: dequantizeTensorData(t.type, encodeTensorData(t.type, t.values), t.values.length),
      })),
    });
    const [q, d, f] = [
      await distributions(await ensureGgufFile(folder, 'Q4_K_M')),
      await distributions(dequantized),
      await distributions(await ensureGgufFile(folder, 'F32')),
    ];
    const [klQD, klFQ] = [meanKl(d, q), meanKl(f, q)];
    const [agreeQD, agreeFQ] = [agreement(q, d), agreement(q, f)];
    console.log(
      `gpt2-mini Q4_K_M over ${q.length} positions: vs our dequantized F32 KL ${klQD.toExponential(2)}, top-1 ${agreeQD}/${q.length}; ` +
        `vs F32 KL ${klFQ.toExponential(2)}, top-1 ${agreeFQ}/${q.length}`,
    );
    expect(klQD).toBeLessThan(klFQ / 10);
    expect(agreeQD).toBeGreaterThanOrEqual(q.length - 1);
    expect(agreeFQ).toBeGreaterThan(q.length / 4); // a broken file agrees ~never (1 in 50,257 by chance)
  }, 300_000);
});
