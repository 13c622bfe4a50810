import { attr, createModel, DataType, GraphBuilder, type ModelProto } from '../onnx/index.ts';

// One training step of L exit heads as an ONNX graph: forward through each head, the frozen final
// norm and the tied LM head, the KD loss against the model's own final layer, and the backward pass
// to the head parameters. Written out by hand so onnxruntime runs the (rows × D × V) MatMuls; the
// L heads share one teacher forward. Row-vector convention (GPT-2 Conv1D): z = h · W.
//
// Inputs   h        (L, B, D)  residual stream after each head's layer
//          h_final  (B, D)     residual stream after the last block (before ln_f)
//          linear:   w (L, D, D)          low-rank: down (L, D, r), up (L, r, D)
// Outputs  loss     (L)        T²·KL(p_final ‖ p_head) per head, mean over the B rows
//          grad_w (L, D, D) | grad_down (L, D, r), grad_up (L, r, D): ∂loss[l]/∂(head l's parameters)

export const TRAIN_IO = {
  hidden: 'h',
  hiddenFinal: 'h_final',
  w: 'w',
  down: 'down',
  up: 'up',
  loss: 'loss',
  gradW: 'grad_w',
  gradDown: 'grad_down',
  gradUp: 'grad_up',
} as const;

export type TrainGraphHead = { kind: 'linear' } | { kind: 'low-rank'; rank: number };

export type TrainGraphWeights = {
  /** Final LayerNorm γ, β (D). */
  lnFWeight: Float32Array;
  lnFBias: Float32Array;
  /** Tied LM head, transposed: (D, V) row-major. */
  wteT: Float32Array;
  hidden: number;
  vocab: number;
};

const LN_EPSILON = 1e-5; // GPT-2's layer_norm_epsilon, as the forge graph uses

export function buildExitHeadTrainGraph(head: TrainGraphHead, weights: TrainGraphWeights, temperature: number): ModelProto {
  const { hidden: D, vocab: V } = weights;
  const g = new GraphBuilder('inferlab-exit-head-train');
  const h = g.input(TRAIN_IO.hidden, DataType.FLOAT, ['heads', 'rows', D]);
  const hFinal = g.input(TRAIN_IO.hiddenFinal, DataType.FLOAT, ['rows', D]);
  const gamma = g.initializer('ln_f.weight', DataType.FLOAT, [D], weights.lnFWeight);
  const beta = g.initializer('ln_f.bias', DataType.FLOAT, [D], weights.lnFBias);
  const wteT = g.initializer('wte_t', DataType.FLOAT, [D, V], weights.wteT);
  const mean = (x: string) => g.op('ReduceMean', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) });
  const swapLast = (x: string) => g.op('Transpose', [x], { perm: attr.ints([0, 2, 1]) });

  // Head forward: z (L, B, D).
  let z: string;
  let u = ''; // low-rank only: h · down (L, B, r)
  if (head.kind === 'linear') {
    z = g.op('MatMul', [h, g.input(TRAIN_IO.w, DataType.FLOAT, ['heads', D, D])]);
  } else {
    const down = g.input(TRAIN_IO.down, DataType.FLOAT, ['heads', D, head.rank]);
    const up = g.input(TRAIN_IO.up, DataType.FLOAT, ['heads', head.rank, D]);
    u = g.op('MatMul', [h, down]);
    z = g.op('Add', [h, g.op('MatMul', [u, up])]);
  }

  // Final norm by hand (the backward needs y and 1/σ): y = (z − μ)/σ, a = y·γ + β.
  const xc = g.op('Sub', [z, mean(z)]);
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [mean(g.op('Mul', [xc, xc])), g.float32('eps', [LN_EPSILON])])])]); // (L, B, 1)
  const y = g.op('Mul', [xc, rstd]);
  const a = g.op('Add', [g.op('Mul', [y, gamma]), beta]);
  const invT = g.float32('inv_t', [1 / temperature]);
  const logQ = g.op('LogSoftmax', [g.op('Mul', [g.op('MatMul', [a, wteT]), invT])], { axis: attr.int(-1) }); // (L, B, V)

  // Teacher: the model's own head on the final state, with the model's LayerNormalization op.
  const aT = g.op('LayerNormalization', [hFinal, gamma, beta], { axis: attr.int(-1), epsilon: attr.float(LN_EPSILON) });
  const logP = g.op('LogSoftmax', [g.op('Mul', [g.op('MatMul', [aT, wteT]), invT])], { axis: attr.int(-1) }); // (B, V)
  const p = g.op('Exp', [logP]);
  const kl = g.op('ReduceSum', [g.op('Mul', [p, g.op('Sub', [logP, logQ])]), g.int64('kl_axes', [-1])], { keepdims: attr.int(0) }); // (L, B)
  const klMean = g.op('ReduceMean', [kl], { axes: attr.ints([1]), keepdims: attr.int(0) });
  g.node('Mul', [klMean, g.float32('t_squared', [temperature * temperature])], [TRAIN_IO.loss]);
  g.output(TRAIN_IO.loss, DataType.FLOAT, ['heads']);

  // Backward. ∂loss/∂s = T·(q − p)/B per row (kd-loss.ts), s the student logits (L, B, V).
  const rows = g.op('Cast', [g.op('Gather', [g.op('Shape', [hFinal]), g.int64('row_dim', [0], [])])], { to: attr.int(DataType.FLOAT) });
  const ds = g.op('Mul', [g.op('Sub', [g.op('Exp', [logQ]), p]), g.op('Div', [g.float32('t', [temperature]), rows])]);
  // ∂/∂a = ds · wte: Gemm with transB reads the (D, V) table as (V, D) without materialising a transpose.
  const ds2 = g.op('Reshape', [ds, g.int64('flat_v', [-1, V])]); // (L·B, V)
  const da = g.op('Reshape', [g.op('Gemm', [ds2, wteT], { transB: attr.int(1) }), g.op('Shape', [z])]); // (L, B, D)
  const dy = g.op('Mul', [da, gamma]);
  // LayerNorm backward: dz = (1/σ)·(dy − mean(dy) − y·mean(dy·y)).
  const dz = g.op('Mul', [rstd, g.op('Sub', [g.op('Sub', [dy, mean(dy)]), g.op('Mul', [y, mean(g.op('Mul', [dy, y]))])])]);
  const hT = swapLast(h); // (L, D, B)
  if (head.kind === 'linear') {
    g.node('MatMul', [hT, dz], [TRAIN_IO.gradW]);
    g.output(TRAIN_IO.gradW, DataType.FLOAT, ['heads', D, D]);
  } else {
    g.node('MatMul', [swapLast(u), dz], [TRAIN_IO.gradUp]); // (L, r, B)·(L, B, D)
    const du = g.op('MatMul', [dz, swapLast(TRAIN_IO.up)]); // (L, B, r)
    g.node('MatMul', [hT, du], [TRAIN_IO.gradDown]);
    g.output(TRAIN_IO.gradUp, DataType.FLOAT, ['heads', head.rank, D]);
    g.output(TRAIN_IO.gradDown, DataType.FLOAT, ['heads', D, head.rank]);
  }
  return createModel(g.build());
}
