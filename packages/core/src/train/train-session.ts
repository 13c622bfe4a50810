import * as ort from 'onnxruntime-node';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { gpt2Weights } from '../forge/gpt2-weights.ts';
import { llamaWeights } from '../forge/llama/llama-weights.ts';
import { encodeModel } from '../onnx/index.ts';
import type { Batch } from './batch-sampler.ts';
import type { TrainWeights } from './checkpoint.ts';
import { outputData, outputScalar } from './session-output.ts';
import { buildTrainGraph, TRAIN_GRAPH_IO as IO, type TrainLoss } from './train-graph.ts';

// An onnxruntime session over the training graph of one model: feeds the current weights (views of
// the JS arrays the optimizer updates in place, not copies) and a batch, returns the loss and, with
// grads, ∂loss/∂weight in the weights' order.

export type StepOutput = { loss: number; grads: Float32Array[]; logits?: Float32Array };

export type TrainSessionOptions = { loss: TrainLoss; grads: boolean; logits?: boolean; threads: number; executionProvider: 'cpu' | 'cuda' };

/** Forge's initial weights for `spec` (HF init, seeded by spec.seed). */
export function forgeInitialWeights(spec: ForgeSpec): TrainWeights {
  return spec.family === 'gpt2' ? gpt2Weights(spec) : llamaWeights(spec);
}

export class TrainSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly weights: TrainWeights,
    private readonly options: TrainSessionOptions,
  ) {}

  static async create(spec: ForgeSpec, weights: TrainWeights, options: TrainSessionOptions): Promise<TrainSession> {
    const shapes = [...weights].map(([name, w]) => [name, w.dims] as const);
    const model = buildTrainGraph(spec, shapes, { loss: options.loss, grads: options.grads, logits: options.logits });
    const session = await ort.InferenceSession.create(encodeModel(model), {
      executionProviders: [options.executionProvider],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new TrainSession(session, weights, options);
  }

  async run(batch: Batch, teacherLogits?: Float32Array): Promise<StepOutput> {
    const { batch: B, seq: S } = batch;
    const feeds: Record<string, ort.Tensor> = {
      [IO.inputIds]: new ort.Tensor('int64', batch.inputIds, [B, S]),
      [IO.targets]: new ort.Tensor('int64', batch.targets, [B, S]),
    };
    if (teacherLogits !== undefined)
      feeds[IO.teacherLogits] = new ort.Tensor('float32', teacherLogits, [B, S, teacherLogits.length / (B * S)]);
    for (const [name, w] of this.weights) feeds[name] = new ort.Tensor('float32', w.data, w.dims);
    const out = await this.session.run(feeds);
    return {
      loss: outputScalar(out, IO.loss),
      grads: this.options.grads ? [...this.weights.keys()].map((name) => outputData(out, IO.grad(name))) : [],
      logits: this.options.logits === true ? outputData(out, IO.logits) : undefined,
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
