// Probe (issue #15 point 4): q4 decode at MatMulNBits accuracy level 0 (float compute, the q4 files)
// vs 4 (activations quantized to int8 in the kernel), beside fp32, on forge gpt2-small's in-place
// graphs; greedy, 2 threads, rotated. tsx bench/proto/q4-accuracy-level.ts [--reps 3] [--tokens 48]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, greedyStrategy, ModelPool, resolveCellModel } from '../../packages/core/src/index.ts';
import { readModelFile, writeModelFile } from '../../packages/core/src/onnx/index.ts';
import { rewriteMatMulNBits } from '../../packages/core/src/quantization/rewrite-matmul-nbits.ts';
import { rewriteLogitsToKeep } from '../../packages/core/src/runtime/logits-to-keep.ts';
import { modelsDirFromEnv } from '../../packages/experiments/src/index.ts';
import { decodeTokPerS, flag, median, runRotated } from '../lib.ts';

const reps = Number(flag('--reps', '3'));
const tokens = Number(flag('--tokens', '48'));
const modelsDir = modelsDirFromEnv(process.env);
const roots = { modelsDir, modelRoots: [modelsDir] };
const fp32 = await resolveCellModel('forge:gpt2-small', { dtype: 'fp32', kvLayout: 'in-place' }, roots);
const q4 = await resolveCellModel('forge:gpt2-small', { dtype: 'q4', kvLayout: 'in-place' }, roots);
// The q4 file's graph at level 4: the fp32 in-place graph (logits rows not yet sliced) rewritten as the variant does.
const level4 = join(tmpdir(), 'inferlab-q4-level4.onnx');
const src = readModelFile(fp32.file);
writeModelFile(level4, rewriteLogitsToKeep(rewriteMatMulNBits(src, { bits: 4, blockSize: 32, accuracyLevel: 4 }).model));
const pool = new ModelPool(3);
const opts = { threads: 2, executionProvider: 'cpu' as const };
const sides = [
  ['fp32', await pool.get(fp32, opts)],
  ['q4 level 0', await pool.get(q4, opts)],
  ['q4 level 4', await pool.get({ ...q4, file: level4 }, opts)],
] as const;
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const samples = await runRotated(
  sides.map(
    ([name, m]) =>
      [
        name,
        async () =>
          decodeTokPerS(
            await generate(m.tokenizer, prompt, {
              maxNewTokens: tokens,
              strategy: greedyStrategy(m.session, { useCache: true }),
              eosTokenIds: [],
            }),
          ) ?? 0,
      ] as const,
  ),
  { reps },
);
const base = median(samples.get('fp32') ?? []);
for (const [name] of sides) {
  const m = median(samples.get(name) ?? []);
  console.log(`${name}: ${m.toFixed(1)} tok/s, ${(m / base).toFixed(2)}× fp32`);
}
await pool.clear();
