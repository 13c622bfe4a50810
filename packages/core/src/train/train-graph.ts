import type { ForgeSpec } from '../forge/forge-models.ts';
import { createModel, DataType, type ModelProto } from '../onnx/index.ts';
import { gpt2TrainForward } from './gpt2-train-forward.ts';
import { GradTape } from './grad-tape.ts';
import { llamaTrainForward } from './llama-train-forward.ts';
import { crossEntropy, kdLoss, mix } from './ops-loss.ts';

// One training step of a forge decoder as one ONNX graph: forward, loss and backward. Weights are
// graph inputs (not initializers), so one session serves every step while the optimizer updates the
// weights in JS. With `grads: false` the same forward gives the held-out loss.
//
// Inputs   input_ids       (B, S) int64
//          targets         (B, S) int64   next tokens
//          teacher_logits  (B, S, V)      KD only
//          <weight name>   forge layout (gpt2-weights.ts, llama-weights.ts)
// Outputs  loss            ()             mean over the B·S positions
//          logits          (B, S, V)      when asked (tests)
//          grad.<weight>   same dims as the weight

export const TRAIN_GRAPH_IO = {
  inputIds: 'input_ids',
  targets: 'targets',
  teacherLogits: 'teacher_logits',
  loss: 'loss',
  logits: 'logits',
  grad: (weight: string) => `grad.${weight}`,
} as const;

export type TrainLoss = { kind: 'ce' } | { kind: 'kd'; temperature: number; alpha: number };

export type WeightShapes = ReadonlyArray<readonly [name: string, dims: readonly number[]]>;

export type TrainGraphOptions = { loss: TrainLoss; grads: boolean; logits?: boolean };

export function buildTrainGraph(spec: ForgeSpec, shapes: WeightShapes, options: TrainGraphOptions): ModelProto {
  const t = new GradTape(`inferlab-train-${spec.family}`);
  const ids = t.g.input(TRAIN_GRAPH_IO.inputIds, DataType.INT64, ['batch', 'seq']);
  const targets = t.g.input(TRAIN_GRAPH_IO.targets, DataType.INT64, ['batch', 'seq']);
  const known = new Map(shapes.map(([name, dims]) => [name, t.g.input(name, DataType.FLOAT, [...dims])]));
  const param = (name: string) => {
    const value = known.get(name);
    if (value === undefined) throw new Error(`training graph: no weight '${name}' among the inputs`);
    return value;
  };
  const logits = spec.family === 'gpt2' ? gpt2TrainForward(t, spec, param, ids) : llamaTrainForward(t, spec, param, ids);
  const ce = crossEntropy(t, logits, targets, spec.vocabSize);
  let loss = ce;
  if (options.loss.kind === 'kd') {
    const teacher = t.g.input(TRAIN_GRAPH_IO.teacherLogits, DataType.FLOAT, ['batch', 'seq', spec.vocabSize]);
    loss = mix(t, kdLoss(t, teacher, logits, spec.vocabSize, options.loss.temperature), ce, options.loss.alpha);
  }
  t.g.node('Identity', [loss], [TRAIN_GRAPH_IO.loss]);
  t.g.output(TRAIN_GRAPH_IO.loss, DataType.FLOAT, []);
  if (options.logits === true) {
    t.g.node('Identity', [logits], [TRAIN_GRAPH_IO.logits]);
    t.g.output(TRAIN_GRAPH_IO.logits, DataType.FLOAT, ['batch', 'seq', spec.vocabSize]);
  }
  if (options.grads) {
    t.backward(loss);
    for (const [name, dims] of shapes) t.outputGrad(param(name), TRAIN_GRAPH_IO.grad(name), [...dims]);
  }
  return createModel(t.g.build());
}
