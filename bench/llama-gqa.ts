// Grouped-query attention vs multi-head attention on one Llama shape, both in one run, alternating
// (noise hits both alike): forge:llama-mini (8 query heads over 2 KV heads) against its MHA twin
// (8 KV heads, same widths, built here in a temp folder). GQA stores 4× fewer K/V values; how much
// that buys in tokens/s depends on how much of a step reads the cache (long contexts, small models).
// npx tsx bench/llama-gqa.ts -- [--reps 3] [--threads 2] [--lengths 40,400]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildLlamaFolder, FORGE_MODELS, forgeModel, generate, greedyStrategy, ModelPool, readDecoderConfig } from '@inferlab/core';
import { flag, loadAverage, median, table } from './lib.ts';

const reps = Number(flag('--reps', '3'));
const threads = Number(flag('--threads', '2'));
const lengths = flag('--lengths', '40,400').split(',').map(Number);
const prompt = 'Explain briefly why KV caching and quantization help LLM inference.';
const modelsDir = resolve(process.env.INFERLAB_DATA_DIR ?? 'data', 'models');

const gqaDir = await forgeModel('llama-mini', { cacheDir: modelsDir });
const twinDir = mkdtempSync(join(tmpdir(), 'inferlab-llama-mha-'));
const mini = FORGE_MODELS['llama-mini'];
buildLlamaFolder('llama-mini-mha', { ...mini, nKvHead: mini.nHead }, twinDir);

const pool = new ModelPool(2);
const load = async (folder: string) => {
  const model = { id: folder, folder, file: join(folder, 'onnx/model.onnx'), variant: 'fp32' as const };
  return pool.get(model, { threads, executionProvider: 'cpu' });
};
const sides = { gqa: await load(gqaDir), mha: await load(twinDir) };
for (const [name, m] of Object.entries(sides)) {
  const c = await readDecoderConfig(m.model.folder);
  console.log(`${name}: ${c.layers} layers, ${c.heads} heads, ${c.kvHeads} KV heads, head_dim ${c.headDim}`);
}
console.log(`fp32, ${threads} threads, KV cache, greedy, ${reps} alternating repetitions per length (after 1 warmup each)`);
console.log(`load average before: ${loadAverage()}`);

const runOnce = async (side: keyof typeof sides, maxNewTokens: number) => {
  const { session, tokenizer } = sides[side];
  const g = await generate(tokenizer, prompt, { maxNewTokens, strategy: greedyStrategy(session, { useCache: true }), eosTokenIds: [] });
  const first = g.events[0]?.t ?? 0;
  const last = g.events.at(-1)?.t ?? 0;
  return { decodeTokPerS: (g.outputTokenIds.length - 1) / ((last - first) / 1000), kvBytes: g.kvCacheBytes };
};

const rows: Record<string, string | number>[] = [];
for (const len of lengths) {
  await runOnce('mha', 8);
  await runOnce('gqa', 8);
  const mha: Array<Awaited<ReturnType<typeof runOnce>>> = [];
  const gqa: typeof mha = [];
  for (let r = 0; r < reps; r++) {
    mha.push(await runOnce('mha', len));
    gqa.push(await runOnce('gqa', len));
  }
  const [m, g] = [median(mha.map((s) => s.decodeTokPerS)), median(gqa.map((s) => s.decodeTokPerS))];
  rows.push({
    new_tokens: len,
    'MHA decode tok/s': m,
    'GQA decode tok/s': g,
    'GQA/MHA': g / m,
    'MHA KV MiB': (mha[0]?.kvBytes ?? 0) / 2 ** 20,
    'GQA KV MiB': (gqa[0]?.kvBytes ?? 0) / 2 ** 20,
  });
}
console.log(table(rows));
console.log(`load average after: ${loadAverage()}`);
await pool.clear();
rmSync(twinDir, { recursive: true, force: true });
