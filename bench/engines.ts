// inferlab vs transformers.js vs llama.cpp on the same weights, in one run: fp32 / F32, q8 / Q8_0,
// q4 / Q4_0 (llama.cpp reads a GGUF written from the same onnx/model.onnx), decode tok/s and TTFT
// at a short and a long prompt, same threads, greedy, KV cache, batch 1, the three engines in a
// rotated order each repetition; ratios with bootstrap CIs; greedy tokens compared.
// npx tsx bench/engines.ts [--model forge:gpt2-small] [--dtypes fp32,q8,q4] [--prompts 16,512] [--reps 3] [--threads 2] [--tokens 64] [--json file]
import {
  type Generation,
  generate,
  greedyStrategy,
  LLAMA_CPP_DTYPES,
  type LlamaCppDtype,
  LlamaCppRunner,
  llamaCppEngineVersion,
  ModelPool,
  resolveCellModel,
  TransformersJsRunner,
} from '@inferlab/core';
import { autoKvLayout, modelsDirFromEnv, requestMetrics } from '@inferlab/experiments';
import { Bench, type Cell, decodeTokPerS, medianCi, NA_ONE_TOKEN, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'engines',
  summary: 'inferlab vs transformers.js vs llama.cpp on the same weights: decode tok/s and TTFT per dtype and prompt length, with ratios.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-small', description: 'model id (a gpt2 or llama folder)' },
    dtypes: { type: 'string', default: 'fp32,q8,q4', description: `comma-separated, of ${Object.keys(LLAMA_CPP_DTYPES).join(', ')}` },
    prompts: { type: 'string', default: '16,512', description: 'prompt lengths in tokens, comma-separated' },
    reps: { type: 'string', default: '3', description: 'measured repetitions per engine (rotated order)' },
    threads: { type: 'string', default: '2', description: 'threads for every engine' },
    tokens: { type: 'string', default: '64', description: 'new tokens per request' },
  },
});
const model = bench.str('model');
const dtypes = bench
  .str('dtypes')
  .split(',')
  .map((d) => d.trim());
const bad = dtypes.filter((d) => !Object.hasOwn(LLAMA_CPP_DTYPES, d));
if (bad.length > 0) {
  console.error(`--dtypes: ${bad.join(', ')} has no llama.cpp file; use ${Object.keys(LLAMA_CPP_DTYPES).join(', ')}`);
  process.exit(2);
}
const [promptLens, reps, threads, tokens] = [bench.ints('prompts'), bench.int('reps'), bench.int('threads'), bench.int('tokens')];
const modelsDir = modelsDirFromEnv(process.env);
const PASSAGE =
  'The cache keeps the keys and values of every layer, so each new token costs one step instead of a pass over the whole text. ' +
  'Quantized weights cut the bytes read per token, which is what a decoder on a CPU waits for. ';

// inferlab runs what a cell of this model runs: kvLayout "auto" (in-place on forge gpt2, else concat).
const kvLayout = autoKvLayout({
  model,
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  engine: 'inferlab',
  device: 'cpu',
});
bench.header(
  `${model}: ${dtypes.join(', ')}; prompts ${promptLens.join(', ')} tokens; ${threads} threads, greedy, KV cache, batch 1, ${tokens} new tokens, ${reps} rotated reps; inferlab KV layout: ${kvLayout ?? 'concat'}`,
);
const pool = new ModelPool(1);
const speedRows: Record<string, Cell>[] = [];
const tokenRows: Record<string, Cell>[] = [];
let llamaVersion = '';
for (const dtype of dtypes as LlamaCppDtype[]) {
  const resolved = await resolveCellModel(model, { dtype, kvLayout }, { modelsDir, modelRoots: [modelsDir] });
  const { session, tokenizer } = await pool.get(resolved, { threads, executionProvider: 'cpu' });
  const peer = await TransformersJsRunner.load(resolved.folder, { dtype, threads, device: 'cpu' });
  const t0 = performance.now();
  const llama = await LlamaCppRunner.load(resolved.folder, { dtype, threads, gpu: false });
  console.log(`${dtype}: llama.cpp loaded ${llama.file} in ${((performance.now() - t0) / 1000).toFixed(1)} s (GGUF written on first use)`);
  llamaVersion = llamaCppEngineVersion(llama.backend);
  for (const len of promptLens) {
    const promptIds = tokenizer.encode(PASSAGE.repeat(Math.ceil(len / 40) + 1)).slice(0, len);
    const prompt = tokenizer.decode(promptIds);
    if (tokenizer.encode(prompt).length !== len || llama.tokenize(prompt).length !== len)
      throw new Error(`a ${len}-token prompt did not round-trip`);
    if (len + tokens > session.config.maxPositions) {
      speedRows.push({
        dtype,
        prompt: len,
        engine: 'all',
        'decode tok/s': { na: `${len} + ${tokens} > ${session.config.maxPositions} positions` },
      });
      continue;
    }
    // eosTokenIds empty: every engine generates exactly `tokens`, so the work compared is equal.
    const opts = { maxNewTokens: tokens, useCache: true, eosTokenIds: [] as number[] };
    const sides: Array<readonly [string, () => Promise<Generation>]> = [
      ['inferlab', () => generate(tokenizer, prompt, { ...opts, strategy: greedyStrategy(session, { useCache: true }) })],
      ['transformers.js', () => peer.generate(prompt, opts)],
      ['llama.cpp', () => llama.generate(prompt, opts)],
    ];
    const outputs = new Map<string, number[]>();
    const samples = await runRotated(
      sides.map(
        ([name, run]) =>
          [
            name,
            async () => {
              const g = await run();
              outputs.set(name, g.outputTokenIds); // the last run's tokens (greedy: all runs alike)
              return { decode: decodeTokPerS(g), ttft: requestMetrics(g).ttft };
            },
          ] as const,
      ),
      { reps, onRep: (r) => console.log(`  ${dtype} prompt ${len}: rep ${r + 1}/${reps} done`) },
    );
    const decode = (name: string) => (samples.get(name) ?? []).map((s) => s.decode);
    const ttft = (name: string) => (samples.get(name) ?? []).map((s) => s.ttft);
    for (const [name] of sides) {
      speedRows.push({
        dtype,
        prompt: len,
        engine: name,
        'decode tok/s': medianCi(decode(name), NA_ONE_TOKEN),
        'TTFT ms': medianCi(ttft(name), 'no tokens'),
        'inferlab / it, decode': name === 'inferlab' ? '1' : ratioCi(decode(name), decode('inferlab'), NA_ONE_TOKEN),
        'it / inferlab, TTFT': name === 'inferlab' ? '1' : ratioCi(ttft('inferlab'), ttft(name), 'no tokens'),
      });
    }
    const ours = outputs.get('inferlab') ?? [];
    const prefix = (other: number[]) => {
      const i = ours.findIndex((t, k) => t !== other[k]);
      return `${i < 0 ? ours.length : i}/${ours.length}`;
    };
    tokenRows.push({
      dtype,
      prompt: len,
      'transformers.js = inferlab (prefix)': prefix(outputs.get('transformers.js') ?? []),
      'llama.cpp = inferlab (prefix)': prefix(outputs.get('llama.cpp') ?? []),
    });
  }
  await llama.release();
  await peer.release();
  await pool.clear();
}
bench.table(`${model}: engines on the same weights (${llamaVersion})`, speedRows, [
  'decode tok/s = (N_out − 1) / (E2EL − TTFT); TTFT from t0 before tokenization; median [95% bootstrap CI] of the repetitions.',
  'inferlab / it, decode > 1: inferlab decodes faster; it / inferlab, TTFT > 1: inferlab answers first. llama.cpp: F32 KV cache, flash attention off.',
]);
bench.table(`${model}: greedy tokens, length of the common prefix with inferlab's`, tokenRows, [
  'Quantized files differ by engine (MatMulNBits with zero points vs Q8_0/Q4_0 blocks; llama.cpp also quantizes the embedding), so quantized rows may diverge.',
]);
bench.finish();
