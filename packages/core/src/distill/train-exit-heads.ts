import type { DistillProgressPayload } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import type { ExitHead, ExitHeadSet } from '../early-exit/exit-head.ts';
import { gpt2WeightNames as W } from '../forge/gpt2-weights.ts';
import { Xoshiro128 } from '../forge/prng.ts';
import { encodeModel } from '../onnx/index.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { AdamW, type AdamWOptions } from '../train/adamw.ts';
import { distillCorpus } from './distill-corpus.ts';
import { buildExitHeadTrainGraph, TRAIN_IO } from './exit-head-train-graph.ts';
import type { ExitHeadLayerMetrics, ExitHeadsMeta } from './exit-heads-meta.ts';
import { loadTeacherModel, type TeacherStates, teacherStates } from './teacher-states.ts';
import { resolveTrainOptions, type TrainExitHeadsOptions } from './train-options.ts';

// Exit-head training (issue #7): heads at chosen layers learn to match the model's own final-layer
// distribution under T²·KL(p_final ‖ p_head), with Adam, on the bundled corpus. Each step is one
// onnxruntime run of the forward+backward graph for all heads at once (built on the training engine's
// tape), then the engine's AdamW with weight decay 0 — Adam. The teacher's hidden states are computed
// once up front. Deterministic for a seed (init, batch order) on one machine and thread count.

export type TrainedExitHeads = { set: ExitHeadSet; meta: Omit<ExitHeadsMeta, 'createdAt' | 'jobId'> };

type Params = Record<string, Float32Array>; // graph input name → (L, …)

/** Adam as exit heads have always trained (β₂ 0.999, not the engine's 0.95 for whole models); no decay. */
const ADAM: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export async function trainExitHeads(
  modelDir: string,
  options: TrainExitHeadsOptions,
  onProgress: (p: DistillProgressPayload) => void | Promise<void> = () => {},
): Promise<TrainedExitHeads> {
  const teacher = await loadTeacherModel(modelDir, options.threads ?? 0, options.executionProvider ?? 'cpu');
  const { spec } = teacher;
  const D = spec.nEmbd;
  const o = resolveTrainOptions(options, spec.nLayer, D);
  const L = o.layers.length;
  const corpus = distillCorpus(await loadTokenizer(modelDir), Math.min(spec.nPositions, 256));
  await onProgress({ phase: 'teacher', step: 0, totalSteps: 0, epoch: 0 });
  const train = await teacherStates(teacher, corpus.train, o.layers);
  const heldOut = await teacherStates(teacher, corpus.heldOut, o.layers);

  const weight = (name: string) => teacher.weights.get(name)?.data as Float32Array;
  const head = o.kind === 'linear' ? ({ kind: 'linear' } as const) : ({ kind: 'low-rank', rank: o.rank ?? 1 } as const);
  const graph = buildExitHeadTrainGraph(
    head,
    { lnFWeight: weight(W.lnFWeight), lnFBias: weight(W.lnFBias), wteT: weight(W.wteT), hidden: D, vocab: spec.vocabSize },
    o.temperature,
  );
  const session = await ort.InferenceSession.create(encodeModel(graph), {
    executionProviders: [o.executionProvider],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  await teacher.session.release();

  const rng = new Xoshiro128(o.seed);
  const params: Params = {};
  const dims: Record<string, number[]> = {};
  if (head.kind === 'linear') {
    params[TRAIN_IO.w] = new Float32Array(L * D * D);
    for (let l = 0; l < L; l++) for (let i = 0; i < D; i++) (params[TRAIN_IO.w] as Float32Array)[(l * D + i) * D + i] = 1; // identity
    dims[TRAIN_IO.w] = [L, D, D];
  } else {
    const r = head.rank;
    const down = new Float32Array(L * D * r);
    rng.fillNormal(down, 1 / Math.sqrt(D)); // seeded; up = 0 keeps the start an identity
    params[TRAIN_IO.down] = down;
    params[TRAIN_IO.up] = new Float32Array(L * r * D);
    dims[TRAIN_IO.down] = [L, D, r];
    dims[TRAIN_IO.up] = [L, r, D];
  }
  const gradOf: Record<string, string> = {
    [TRAIN_IO.w]: TRAIN_IO.gradW,
    [TRAIN_IO.down]: TRAIN_IO.gradDown,
    [TRAIN_IO.up]: TRAIN_IO.gradUp,
  };

  /** One graph run over the rows `idx` of `states`: loss (L) and outputs. */
  const run = async (states: TeacherStates, idx: ArrayLike<number>) => {
    const B = idx.length;
    const h = new Float32Array(L * B * D); // (L, B, D)
    const hFinal = new Float32Array(B * D); // (B, D)
    for (let b = 0; b < B; b++) {
      const row = idx[b] as number;
      hFinal.set(states.final.subarray(row * D, (row + 1) * D), b * D);
      for (const [l, layer] of o.layers.entries()) {
        h.set((states.atLayer.get(layer) as Float32Array).subarray(row * D, (row + 1) * D), (l * B + b) * D);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      [TRAIN_IO.hidden]: new ort.Tensor('float32', h, [L, B, D]),
      [TRAIN_IO.hiddenFinal]: new ort.Tensor('float32', hFinal, [B, D]),
    };
    for (const [name, p] of Object.entries(params)) feeds[name] = new ort.Tensor('float32', p, dims[name] as number[]);
    return session.run(feeds);
  };

  /** Held-out T²·KL per layer, averaged over every held-out position. */
  const evaluate = async (): Promise<number[]> => {
    const sums = new Float64Array(L);
    for (let from = 0; from < heldOut.rows; from += o.batchTokens) {
      const idx = Array.from({ length: Math.min(o.batchTokens, heldOut.rows - from) }, (_, i) => from + i);
      const loss = (await run(heldOut, idx))[TRAIN_IO.loss]?.data as Float32Array;
      for (let l = 0; l < L; l++) sums[l] = (sums[l] as number) + (loss[l] as number) * idx.length;
    }
    return Array.from(sums, (s) => s / heldOut.rows);
  };

  await onProgress({ phase: 'evaluate', step: 0, totalSteps: 0, epoch: 0 });
  const untrained = await evaluate();
  const names = Object.keys(params);
  const values = names.map((name) => params[name] as Float32Array); // updated in place, fed every step
  const adam = new AdamW(
    values.map((p) => p.length),
    values.map(() => false),
    ADAM,
  );
  const stepsPerEpoch = Math.ceil(train.rows / o.batchTokens);
  const totalSteps = stepsPerEpoch * o.epochs;
  const order = Int32Array.from({ length: train.rows }, (_, i) => i);
  const started = performance.now();
  let firstEpoch: number[] = [];
  for (let epoch = 1, step = 0; epoch <= o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextUint32() % (i + 1); // Fisher–Yates, seeded (modulo bias < 1e-6 at these sizes)
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (let from = 0; from < train.rows; from += o.batchTokens) {
      const out = await run(train, order.subarray(from, from + o.batchTokens));
      adam.step(
        values,
        names.map((name) => out[gradOf[name] as string]?.data as Float32Array),
        o.learningRate,
        1,
      );
      step += 1;
      await onProgress({ phase: 'train', step, totalSteps, epoch, trainLoss: Array.from(out[TRAIN_IO.loss]?.data as Float32Array) });
    }
    if (epoch === 1) firstEpoch = await evaluate();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  await onProgress({ phase: 'evaluate', step: totalSteps, totalSteps, epoch: o.epochs });
  const trained = await evaluate();
  await session.release();

  const heads = o.layers.map((layer, l): ExitHead => {
    if (head.kind === 'linear') return { layer, kind: 'linear', w: (params[TRAIN_IO.w] as Float32Array).slice(l * D * D, (l + 1) * D * D) };
    const r = head.rank;
    const down = (params[TRAIN_IO.down] as Float32Array).slice(l * D * r, (l + 1) * D * r);
    return { layer, kind: 'low-rank', rank: r, down, up: (params[TRAIN_IO.up] as Float32Array).slice(l * r * D, (l + 1) * r * D) };
  });
  const metrics: ExitHeadLayerMetrics[] = o.layers.map((layer, l) => ({
    layer,
    untrainedKd: untrained[l] as number,
    trainedKd: trained[l] as number,
    trainedKdFirstEpoch: firstEpoch[l] as number,
  }));
  return {
    set: { version: '', hidden: D, heads },
    meta: {
      training: {
        temperature: o.temperature,
        learningRate: o.learningRate,
        epochs: o.epochs,
        batchTokens: o.batchTokens,
        seed: o.seed,
        optimizer: 'adam',
        beta1: ADAM.beta1,
        beta2: ADAM.beta2,
        eps: ADAM.eps,
      },
      corpus: { id: corpus.id, source: corpus.source, trainTokens: train.rows, heldOutTokens: heldOut.rows },
      metrics,
      trainSeconds,
    },
  };
}
