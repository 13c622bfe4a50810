// Prototype measurement (issue #15 step 3): decode tok/s at a short and a long context for
//  A. the Optimum concat graph (past → Concat → present, whole cache out and back in each step: bench/bare-ort-loop.ts)
//  B. the forge in-place graph (past = a preallocated buffer fed zero-copy, capacity grown in chunks,
//     unfilled slots masked; the graph returns only the step's keys/values, written into the buffer here)
// tsx bench/proto/kv-in-place-options.ts [--contexts 16,912] [--tokens 24] [--chunk 64] [--reps 2]

import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FORGE_MODELS } from '../../packages/core/src/forge/forge-models.ts';
import { buildGpt2Model } from '../../packages/core/src/forge/gpt2-graph.ts';
import { readFloatWeights } from '../../packages/core/src/forge/read-float-weights.ts';
import { resolveModel } from '../../packages/core/src/model/resolve-model.ts';
import { encodeModel } from '../../packages/core/src/onnx/index.ts';
import { BareOrtLoop } from '../bare-ort-loop.ts';
import { flag, loadAverage, median } from '../lib.ts';

const contexts = flag('--contexts', '16,912').split(',').map(Number);
const tokens = Number(flag('--tokens', '24'));
const chunk = Number(flag('--chunk', '64'));
const reps = Number(flag('--reps', '2'));
const threads = 2;
const spec = FORGE_MODELS['gpt2-small'];
const modelsDir = resolve('data', 'models');
const resolved = await resolveModel('forge:gpt2-small', 'fp32', { modelsDir, modelRoots: [modelsDir] });
const bare = await BareOrtLoop.load(resolved.file, threads);
const inPlaceBytes = encodeModel(buildGpt2Model(spec, readFloatWeights(resolved.file), { kvLayout: 'in-place', logitsToKeep: true }));
const session = await ort.InferenceSession.create(inPlaceBytes, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const L = spec.nLayer;
const H = spec.nHead;
const hd = spec.nEmbd / spec.nHead;

async function inPlace(prompt: number[], n: number) {
  const t0 = performance.now();
  let cap = 0;
  let len = 0;
  let bufs: Float32Array[] = Array.from({ length: 2 * L }, () => new Float32Array(0)); // (1, H, cap, hd) each
  const grow = (need: number) => {
    if (need <= cap) return;
    const next = Math.ceil(need / chunk) * chunk;
    bufs = bufs.map((old) => {
      const b = new Float32Array(H * next * hd);
      for (let h = 0; h < H; h++) b.set(old.subarray(h * cap * hd, h * cap * hd + len * hd), h * next * hd);
      return b;
    });
    cap = next;
  };
  let ids = prompt;
  const out: number[] = [];
  const times: number[] = [];
  while (out.length < n) {
    const s = ids.length;
    const mask = new BigInt64Array(cap + s);
    mask.fill(1n, 0, len);
    mask.fill(1n, cap);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, s]),
      attention_mask: new ort.Tensor('int64', mask, [1, cap + s]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (_, j) => BigInt(len + j)),
        [1, s],
      ),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
    };
    for (let i = 0; i < L; i++) {
      feeds[`past_key_values.${i}.key`] = new ort.Tensor('float32', bufs[2 * i] as Float32Array, [1, H, cap, hd]);
      feeds[`past_key_values.${i}.value`] = new ort.Tensor('float32', bufs[2 * i + 1] as Float32Array, [1, H, cap, hd]);
    }
    const r = await session.run(feeds);
    const logits = r.logits?.data as Float32Array;
    let best = 0;
    for (let v = 1; v < logits.length; v++) if ((logits[v] as number) > (logits[best] as number)) best = v;
    grow(len + s);
    for (let i = 0; i < L; i++) {
      for (const [j, name] of [
        [0, 'key'],
        [1, 'value'],
      ] as const) {
        const fresh = r[`fresh.${i}.${name}`]?.data as Float32Array; // (1, H, s, hd)
        const b = bufs[2 * i + j] as Float32Array;
        for (let h = 0; h < H; h++) b.set(fresh.subarray(h * s * hd, (h + 1) * s * hd), (h * cap + len) * hd);
      }
    }
    len += s;
    ids = [best];
    out.push(best);
    times.push(performance.now() - t0);
  }
  return { tokens: out, ttftMs: times[0] as number, decodeTokPerS: (n - 1) / (((times.at(-1) as number) - (times[0] as number)) / 1000) };
}

const words = 'the quick brown fox jumps over a lazy dog while seven wise owls count silver stars'.split(' ');
const promptOf = (n: number) => Array.from({ length: n }, (_, i) => 262 + ((i * 7919) % 4000) + words.length * 0);
console.log(`gpt2-small fp32, ${threads} threads, ${tokens} new tokens, chunk ${chunk}, ${reps} reps, ABBA; load before ${loadAverage()}`);
const res: Record<string, number[]> = {};
for (const ctx of contexts) {
  const p = promptOf(ctx);
  const a = await bare.generate(p, tokens);
  const b = await inPlace(p, tokens);
  console.log(`context ${ctx}: same tokens ${JSON.stringify(a.tokens) === JSON.stringify(b.tokens)}`);
  for (let r = 0; r < reps; r++) {
    for (const name of r % 2 === 0 ? ['concat', 'in-place'] : ['in-place', 'concat']) {
      const x = name === 'concat' ? await bare.generate(p, tokens) : await inPlace(p, tokens);
      (res[`${name}@${ctx}`] ??= []).push(x.decodeTokPerS);
      (res[`${name} ttft@${ctx}`] ??= []).push(x.ttftMs);
    }
  }
}
console.log(`load after ${loadAverage()}`);
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(22), median(v).toFixed(2), v.map((x) => x.toFixed(1)).join(' '));
const [s, l] = [contexts[0], contexts.at(-1)];
for (const name of ['concat', 'in-place'])
  console.log(`${name}: decode at ${l} / at ${s} = ${(median(res[`${name}@${l}`] ?? []) / median(res[`${name}@${s}`] ?? [])).toFixed(3)}`);
console.log(
  `in-place / concat decode at ${l}: ${(median(res[`in-place@${l}`] ?? []) / median(res[`concat@${l}`] ?? [])).toFixed(3)}; at ${s}: ${(median(res[`in-place@${s}`] ?? []) / median(res[`concat@${s}`] ?? [])).toFixed(3)}`,
);
