import { DataType, float32Data, type ModelProto, readModelFile } from '../onnx/index.ts';
import type { Gpt2Weights } from './gpt2-weights.ts';

/**
 * The float32 initializers of an ONNX file by name: the weights of a graph our builders wrote (forge
 * or an imported checkpoint), read back to build other graphs of the same model from them.
 */
export function readFloatWeights(file: string): Gpt2Weights {
  return floatWeightsOf(readModelFile(file));
}

/** readFloatWeights of a model already decoded. */
export function floatWeightsOf(model: ModelProto): Gpt2Weights {
  const weights: Gpt2Weights = new Map();
  for (const t of model.graph.initializers) {
    if (t.dataType === DataType.FLOAT) weights.set(t.name, { dims: t.dims.map(Number), data: float32Data(t) });
  }
  return weights;
}
