// Exit-head training speed and effect. (1) One forward+backward step of a linear head through the
// frozen ln_f and tied LM head, as the onnxruntime graph training uses vs the same math in plain JS
// loops, on the model's real weights, in one run: ms and ratio. (2) A full training run with
// trainExitHeads: wall time and held-out KD loss per layer, identity (untrained) vs trained.
// npm run bench:exit-head-training -- [--model forge:gpt2-mini] [--layers 1,2,3] [--kind linear] [--epochs 8] [--threads 2] [--rows 64] [--reps 3] [--json file]
import { resolveModel, trainExitHeads } from '@inferlab/core';
import { modelsDirFromEnv } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { buildExitHeadTrainGraph, TRAIN_IO } from '../packages/core/src/distill/exit-head-train-graph.ts';
import { loadTeacherModel } from '../packages/core/src/distill/teacher-states.ts';
import { encodeModel } from '../packages/core/src/onnx/index.ts';
import { Bench, medianCi, ratioCi, runRotated } from './lib.ts';

const bench = Bench.start({
  name: 'exit-head-training',
  summary:
    'One exit-head training step, onnxruntime graph vs plain JS (ABBA), then a full trainExitHeads run: wall time and held-out KD per layer.',
  options: {
    model: { type: 'string', default: 'forge:gpt2-mini', description: 'forge GPT-2 model id' },
    layers: { type: 'string', default: '', description: 'exit layers, comma-separated (default: every layer but the last)' },
    kind: { type: 'string', default: 'linear', description: 'head kind: linear or low-rank' },
    epochs: { type: 'string', default: '8', description: 'training epochs of the full run' },
    threads: { type: 'string', default: '2', description: 'intraOpNumThreads' },
    rows: { type: 'string', default: '64', description: 'token rows per step' },
    reps: { type: 'string', default: '3', description: 'measured steps per side (ABBA order)' },
  },
});
const model = bench.str('model');
const threads = bench.int('threads');
const rows = bench.int('rows');
const reps = bench.int('reps');
const epochs = bench.int('epochs');
const kindArg = bench.str('kind');
if (kindArg !== 'linear' && kindArg !== 'low-rank') {
  console.error(`--kind must be linear or low-rank, got '${kindArg}'`);
  process.exit(2);
}
const kind: 'linear' | 'low-rank' = kindArg;
const modelsDir = modelsDirFromEnv(process.env);
const { folder } = await resolveModel(model, 'fp32', { modelsDir, modelRoots: [modelsDir] });
const teacher = await loadTeacherModel(folder, threads);
const { nEmbd: D, vocabSize: V, nLayer } = teacher.spec;
if (bench.values.layers === '') bench.values.layers = Array.from({ length: nLayer - 1 }, (_, i) => i + 1).join(',');
const layers = bench.ints('layers');
const w = (name: string) => teacher.weights.get(name)?.data as Float32Array;
const weights = { lnFWeight: w('ln_f.weight'), lnFBias: w('ln_f.bias'), wteT: w('wte_t'), hidden: D, vocab: V };
await teacher.session.release();
bench.header(`${model} (D ${D}, V ${V}, ${nLayer} layers), ${threads} threads`);

// Inputs of one step: (1, rows, D) hidden, (rows, D) final, identity + small noise head.
const rand = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => s * Math.sin(i * 12.9898 + 78.233));
const h = rand(rows * D, 1);
const hF = rand(rows * D, 1.3);
const W = rand(D * D, 0.01);
for (let i = 0; i < D; i++) W[i * D + i] = (W[i * D + i] as number) + 1;

/** The same step in plain JS: logits (rows, V) for student and teacher, softmax, ∂/∂a, LN backward, ∂/∂W. */
function jsStep(): Float32Array {
  const ln = (x: Float32Array) => {
    const y = new Float32Array(rows * D);
    const a = new Float32Array(rows * D);
    const rstd = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let mu = 0;
      for (let i = 0; i < D; i++) mu += x[r * D + i] as number;
      mu /= D;
      let v = 0;
      for (let i = 0; i < D; i++) v += ((x[r * D + i] as number) - mu) ** 2;
      rstd[r] = 1 / Math.sqrt(v / D + 1e-5);
      for (let i = 0; i < D; i++) {
        y[r * D + i] = ((x[r * D + i] as number) - mu) * (rstd[r] as number);
        a[r * D + i] = (y[r * D + i] as number) * (weights.lnFWeight[i] as number) + (weights.lnFBias[i] as number);
      }
    }
    return { y, a, rstd };
  };
  const softmaxLogits = (a: Float32Array) => {
    const p = new Float32Array(rows * V);
    for (let r = 0; r < rows; r++) {
      const row = p.subarray(r * V, (r + 1) * V);
      for (let i = 0; i < D; i++) {
        const ai = a[r * D + i] as number;
        const wrow = weights.wteT.subarray(i * V, (i + 1) * V);
        for (let v = 0; v < V; v++) row[v] = (row[v] as number) + ai * (wrow[v] as number);
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < V; v++) max = Math.max(max, (row[v] as number) / 2);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += row[v] = Math.exp((row[v] as number) / 2 - max);
      for (let v = 0; v < V; v++) row[v] = (row[v] as number) / sum;
    }
    return p;
  };
  const z = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) z[r * D + j] = (z[r * D + j] as number) + (h[r * D + i] as number) * (W[i * D + j] as number);
  const s = ln(z);
  const q = softmaxLogits(s.a);
  const p = softmaxLogits(ln(hF).a);
  const da = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < D; i++) {
      const wrow = weights.wteT.subarray(i * V, (i + 1) * V);
      let acc = 0;
      for (let v = 0; v < V; v++) acc += (2 / rows) * ((q[r * V + v] as number) - (p[r * V + v] as number)) * (wrow[v] as number);
      da[r * D + i] = acc * (weights.lnFWeight[i] as number);
    }
  }
  const dz = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++) {
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < D; i++) {
      m1 += da[r * D + i] as number;
      m2 += (da[r * D + i] as number) * (s.y[r * D + i] as number);
    }
    for (let i = 0; i < D; i++)
      dz[r * D + i] = (s.rstd[r] as number) * ((da[r * D + i] as number) - m1 / D - (s.y[r * D + i] as number) * (m2 / D));
  }
  const gW = new Float32Array(D * D);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) gW[i * D + j] = (gW[i * D + j] as number) + (h[r * D + i] as number) * (dz[r * D + j] as number);
  return gW;
}

const session = await ort.InferenceSession.create(encodeModel(buildExitHeadTrainGraph({ kind: 'linear' }, weights, 2)), {
  intraOpNumThreads: threads,
  graphOptimizationLevel: 'all',
});
const feeds = {
  [TRAIN_IO.hidden]: new ort.Tensor('float32', h, [1, rows, D]),
  [TRAIN_IO.hiddenFinal]: new ort.Tensor('float32', hF, [rows, D]),
  [TRAIN_IO.w]: new ort.Tensor('float32', W, [1, D, D]),
};
const timed = (step: () => Promise<Float32Array>) => async () => {
  const t = performance.now();
  const grad = await step();
  return { ms: performance.now() - t, grad };
};
const steps = await runRotated(
  [
    ['onnxruntime', timed(async () => (await session.run(feeds))[TRAIN_IO.gradW]?.data as Float32Array)],
    ['plain js', timed(async () => jsStep())],
  ],
  { reps },
);
await session.release();
const [graph, js] = [steps.get('onnxruntime') ?? [], steps.get('plain js') ?? []];
let maxDiff = 0;
js.forEach(({ grad }, i) => {
  const g = graph[i]?.grad as Float32Array;
  let scale = 0;
  for (let k = 0; k < grad.length; k++) scale = Math.max(scale, Math.abs(grad[k] as number));
  for (let k = 0; k < grad.length; k++) maxDiff = Math.max(maxDiff, Math.abs((grad[k] as number) - (g[k] as number)) / scale);
});
const [graphMs, jsMs] = [graph.map((s) => s.ms), js.map((s) => s.ms)];
bench.table(`${model}: one training step, 1 linear head, ${rows} rows (ABBA, 1 warmup)`, [
  {
    onnxruntime_ms: medianCi(graphMs, 'no runs'),
    plain_js_ms: medianCi(jsMs, 'no runs'),
    ratio_js_over_ort: ratioCi(graphMs, jsMs, 'no runs'),
    max_rel_grad_diff: maxDiff.toExponential(2),
  },
]);

const t0 = performance.now();
const r = await trainExitHeads(folder, { layers, kind, epochs, threads, batchTokens: rows });
const wall = (performance.now() - t0) / 1000;
console.log(
  `\ntrainExitHeads ${kind} at layers ${layers.join(',')}: ${epochs} epochs over ${r.meta.corpus.trainTokens} train tokens; held out ${r.meta.corpus.heldOutTokens}`,
);
console.log(
  `wall ${wall.toFixed(1)} s (training steps ${r.meta.trainSeconds?.toFixed(1)} s); held-out T²·KL(p_final ‖ p_head), T = ${r.meta.training.temperature}:`,
);
bench.table(
  `${model}: trainExitHeads ${kind}, held-out T²·KL(p_final ‖ p_head)`,
  r.meta.metrics.map((m) => ({
    layer: m.layer,
    untrained_kd: m.untrainedKd.toExponential(3),
    trained_kd: m.trainedKd.toExponential(3),
    lower_by: m.untrainedKd / m.trainedKd,
  })),
);
bench.finish();
