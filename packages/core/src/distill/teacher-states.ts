import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import type { Gpt2Spec } from '../forge/forge-models.ts';
import { buildGpt2Model } from '../forge/gpt2-graph.ts';
import { type Gpt2Weights, gpt2WeightNames } from '../forge/gpt2-weights.ts';
import { specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { readFloatWeights } from '../forge/read-float-weights.ts';
import { encodeModel } from '../onnx/index.ts';
import type { ExecutionProvider } from '../runtime/decoder-session.ts';
import { ATTENTION_MASK, hiddenStateName, INPUT_IDS, POSITION_IDS, pastKeyName, pastValueName } from '../runtime/io-names.ts';

// The teacher side of exit-head training: the model's own graph rebuilt with `hidden_states.{i}`
// outputs (its weights read back from onnx/model.onnx, so forge and imported GPT-2 folders alike), one
// forward per corpus window, keeping the residual stream at the head layers and after the last block.

export class DistillModelError extends PermanentError {
  override readonly name = 'DistillModelError';
}

export type TeacherModel = {
  spec: Gpt2Spec;
  weights: Gpt2Weights;
  session: ort.InferenceSession;
};

/** Rows of the teacher forward over a set of windows, all positions concatenated. */
export type TeacherStates = {
  rows: number;
  /** Per requested layer: (rows, D). */
  atLayer: Map<number, Float32Array>;
  /** After the last block, before ln_f: (rows, D). */
  final: Float32Array;
};

export async function loadTeacherModel(
  modelDir: string,
  threads: number,
  executionProvider: ExecutionProvider = 'cpu',
): Promise<TeacherModel> {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  if (config.model_type !== 'gpt2') {
    throw new DistillModelError(`exit heads are trained for GPT-2-family models; ${modelDir} is '${String(config.model_type)}'`);
  }
  const spec = specFromConfig(config);
  const weights = readFloatWeights(join(modelDir, 'onnx', 'model.onnx'));
  if (!weights.has(gpt2WeightNames.wteT))
    throw new DistillModelError(`${modelDir}/onnx/model.onnx is not an inferlab GPT-2 graph (no ${gpt2WeightNames.wteT})`);
  const model = buildGpt2Model(spec, weights, { hiddenStates: true });
  const session = await ort.InferenceSession.create(encodeModel(model), {
    executionProviders: [executionProvider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return { spec, weights, session };
}

const ids64 = (ids: readonly number[]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(ids, (v) => BigInt(v)),
    [1, ids.length],
  );

export async function teacherStates(
  teacher: TeacherModel,
  windows: readonly number[][],
  layers: readonly number[],
): Promise<TeacherStates> {
  const { spec, session } = teacher;
  const D = spec.nEmbd;
  const rows = windows.reduce((n, w) => n + w.length, 0);
  const atLayer = new Map(layers.map((l) => [l, new Float32Array(rows * D)]));
  const final = new Float32Array(rows * D);
  const emptyKv = new ort.Tensor('float32', new Float32Array(0), [1, spec.nHead, 0, D / spec.nHead]); // (1, H, 0, hd)
  let at = 0;
  for (const w of windows) {
    const feeds: Record<string, ort.Tensor> = {
      [INPUT_IDS]: ids64(w),
      [ATTENTION_MASK]: ids64(w.map(() => 1)),
      [POSITION_IDS]: ids64(w.map((_, i) => i)),
    };
    for (let i = 0; i < spec.nLayer; i++) {
      feeds[pastKeyName(i)] = emptyKv;
      feeds[pastValueName(i)] = emptyKv;
    }
    const fetches = [...layers, spec.nLayer].map(hiddenStateName);
    const out = await session.run(feeds, fetches);
    const take = (blocks: number) => (out[hiddenStateName(blocks)] as ort.Tensor).data as Float32Array; // (1, S, D)
    for (const l of layers) atLayer.get(l)?.set(take(l), at * D);
    final.set(take(spec.nLayer), at * D);
    at += w.length;
  }
  return { rows, atLayer, final };
}
