// Prototype: per-op time of the in-place graph at a given capacity (onnxruntime profiling, JSON
// under /tmp/ortprof*; /tmp/inplace.opt.onnx is the optimized graph). This is how the FusedMatMul
// alpha = 1/√hd (MLAS's packed path, not its one-row kernel) was found: see foldQueryScale.
// tsx bench/proto/profile-in-place.ts <capacity>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { FORGE_MODELS } from '../../packages/core/src/forge/forge-models.ts';
import { buildGpt2Model } from '../../packages/core/src/forge/gpt2-graph.ts';
import { readFloatWeights } from '../../packages/core/src/forge/read-float-weights.ts';
import { encodeModel } from '../../packages/core/src/onnx/index.ts';

const spec = FORGE_MODELS['gpt2-small'];
const file = '/tmp/inplace.onnx';
if (!existsSync(file))
  writeFileSync(
    file,
    encodeModel(
      buildGpt2Model(spec, readFloatWeights('data/models/forge/gpt2-small/onnx/model.onnx'), { kvLayout: 'in-place', logitsToKeep: true }),
    ),
  );
const cap = Number(process.argv[2] ?? '960');
const s = await ort.InferenceSession.create(file, {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: '/tmp/ortprof',
  optimizedModelFilePath: '/tmp/inplace.opt.onnx',
});
const H = 12,
  hd = 64;
const feeds: Record<string, ort.Tensor> = {
  input_ids: new ort.Tensor('int64', BigInt64Array.of(262n), [1, 1]),
  attention_mask: new ort.Tensor('int64', new BigInt64Array(cap + 1).fill(1n), [1, cap + 1]),
  position_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(cap)), [1, 1]),
  num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
};
for (let i = 0; i < 12; i++)
  for (const k of ['key', 'value'])
    feeds[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(H * cap * hd).fill(0.01), [1, H, cap, hd]);
for (let r = 0; r < 6; r++) await s.run(feeds);
const prof = (s as unknown as { endProfiling(): string }).endProfiling?.();
console.log('profile', prof);
void readFileSync;
