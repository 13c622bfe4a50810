import { createModel, DataType, type ModelProto } from '../onnx/index.ts';
import { GradTape, GradTapeError } from '../train/grad-tape.ts';
import { add, batchedMatMul, linear, meanLastAxis } from '../train/ops-basic.ts';
import { kdRows } from '../train/ops-loss.ts';
import { layerNorm } from '../train/ops-norm.ts';

// One training step of L exit heads as an ONNX graph, written on the training engine's tape
// (train/grad-tape.ts): forward through each head, the frozen final norm and tied LM head, the KD
// loss against the model's own final layer, and the backward from tape.backward. The heads are
// independent, so playing the tape back from Σ_l loss[l] gives each head exactly ∂loss[l]/∂(its
// parameters). The L heads share one teacher forward. Row-vector convention (GPT-2 Conv1D): z = h · W.
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
  const t = new GradTape('inferlab-exit-head-train');
  const g = t.g;
  const h = g.input(TRAIN_IO.hidden, DataType.FLOAT, ['heads', 'rows', D]);
  const hFinal = g.input(TRAIN_IO.hiddenFinal, DataType.FLOAT, ['rows', D]);
  const gamma = g.initializer('ln_f.weight', DataType.FLOAT, [D], weights.lnFWeight);
  const beta = g.initializer('ln_f.bias', DataType.FLOAT, [D], weights.lnFBias);
  const wteT = g.initializer('wte_t', DataType.FLOAT, [D, V], weights.wteT);
  // The model stays as it is: no ∂ for its norm, its (D, V) table (the skipped ∂wte would cost as much
  // as the forward's logits) or the hidden states; the backward of the tied head is ∂a only (Gemm transB).
  t.freeze(h, hFinal, gamma, beta, wteT);
  // ln_f then the tied head, with the forge graph's LayerNormalization op: (…, D) → (…, V).
  const logitsOf = (x: string) => linear(t, layerNorm(t, x, gamma, beta, D, LN_EPSILON), wteT, D, V);

  // Head forward: z (L, B, D); params are the tape values the gradients come back for.
  const params: Array<[input: string, grad: string, dims: Array<string | number>]> = [];
  let z: string;
  if (head.kind === 'linear') {
    const w = g.input(TRAIN_IO.w, DataType.FLOAT, ['heads', D, D]);
    params.push([w, TRAIN_IO.gradW, ['heads', D, D]]);
    z = batchedMatMul(t, h, w);
  } else {
    const down = g.input(TRAIN_IO.down, DataType.FLOAT, ['heads', D, head.rank]);
    const up = g.input(TRAIN_IO.up, DataType.FLOAT, ['heads', head.rank, D]);
    params.push([down, TRAIN_IO.gradDown, ['heads', D, head.rank]], [up, TRAIN_IO.gradUp, ['heads', head.rank, D]]);
    z = add(t, h, batchedMatMul(t, batchedMatMul(t, h, down), up)); // h + (h·down)·up
  }

  // Teacher (B, V) broadcast against the L students (L, B, V); nothing flows back into it.
  const perRow = kdRows(t, logitsOf(hFinal), logitsOf(z), temperature); // (L, B)
  const loss = meanLastAxis(t, perRow); // (L)
  g.node('Identity', [loss], [TRAIN_IO.loss]);
  g.output(TRAIN_IO.loss, DataType.FLOAT, ['heads']);

  t.backward(loss, g.op('Expand', [g.float32('one', [1]), g.op('Shape', [loss])])); // ∂(Σ_l loss[l])/∂loss = 1 (L)
  for (const [input, name, dims] of params) {
    const grad = t.grad(input);
    if (grad === undefined) throw new GradTapeError(`exit-head graph: no gradient reached '${input}' (is it frozen?)`);
    g.node('Identity', [grad], [name]);
    g.output(name, DataType.FLOAT, dims);
  }
  return createModel(g.build());
}
