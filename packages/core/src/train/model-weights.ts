import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { gpt2WeightNames } from '../forge/gpt2-weights.ts';
import { gpt2LayerShapes } from '../forge/import/gpt2-hf-layout.ts';
import { llamaLayerShapes, llamaWeightNames } from '../forge/llama/llama-weights.ts';
import { readFloatWeights } from '../forge/read-float-weights.ts';
import { MODEL_FILE } from '../forge/write-forge-folder.ts';
import type { TrainWeights } from './checkpoint.ts';
import { specFromFolderConfig } from './teacher-session.ts';

// The trainable weights of a forge-family model by name and forge-layout dims, and the two ways a
// run starts from an existing model: all of its weights (continue training) or its embeddings, its
// first N blocks and its final norm/head (a student initialised as "the teacher's first N layers").

/** The folder's weights do not fit the shape asked for: the same on every retry. */
export class ModelWeightsError extends PermanentError {
  override readonly name = 'ModelWeightsError';
}

/** [name, dims] of every trainable weight, in the forge builders' order. */
export function weightShapes(spec: ForgeSpec): Array<[string, number[]]> {
  if (spec.family === 'gpt2') {
    const { nEmbd: d, vocabSize: v } = spec;
    const out: Array<[string, number[]]> = [
      [gpt2WeightNames.wteT, [d, v]],
      [gpt2WeightNames.wpe, [spec.nPositions, d]],
    ];
    for (let i = 0; i < spec.nLayer; i++)
      for (const [suffix, dims] of gpt2LayerShapes(d)) out.push([gpt2WeightNames.layer(i, suffix), dims]);
    return [...out, [gpt2WeightNames.lnFWeight, [d]], [gpt2WeightNames.lnFBias, [d]]];
  }
  const { hidden: d, vocabSize: v } = spec;
  const out: Array<[string, number[]]> = spec.tieWordEmbeddings
    ? [[llamaWeightNames.embedT, [d, v]]]
    : [
        [llamaWeightNames.embed, [v, d]],
        [llamaWeightNames.lmHeadT, [d, v]],
      ];
  for (let i = 0; i < spec.nLayer; i++)
    for (const [suffix, dims] of llamaLayerShapes(spec)) out.push([llamaWeightNames.layer(i, suffix), dims]);
  return [...out, [llamaWeightNames.norm, [d]]];
}

/** The spec and trainable weights of a model folder (forge, imported or trained), from its onnx/model.onnx. */
export function readModelWeights(dir: string): { spec: ForgeSpec; weights: TrainWeights } {
  const spec = specFromFolderConfig(dir);
  const all = readFloatWeights(join(dir, MODEL_FILE));
  const weights: TrainWeights = new Map();
  for (const [name, dims] of weightShapes(spec)) {
    const w = all.get(name);
    if (w === undefined || w.dims.join() !== dims.join()) {
      throw new ModelWeightsError(
        `${dir}: weight '${name}' ${w === undefined ? 'is missing' : `has dims [${w.dims}], expected [${dims}]`}`,
      );
    }
    weights.set(name, { dims, data: w.data.slice() });
  }
  return { spec, weights };
}

/** A student of `nLayer` blocks holding the teacher's embeddings, first nLayer blocks and final norm/head. */
export function firstLayers(spec: ForgeSpec, weights: TrainWeights, nLayer: number): { spec: ForgeSpec; weights: TrainWeights } {
  if (!Number.isInteger(nLayer) || nLayer < 1 || nLayer > spec.nLayer) {
    throw new ModelWeightsError(`first ${nLayer} layers of a ${spec.nLayer}-layer model`);
  }
  let student: ForgeSpec;
  if (spec.family === 'gpt2') {
    const { derivedFrom: _derived, ...rest } = spec; // a forge draft's init rule; the student's weights are given
    student = { ...rest, nLayer };
  } else student = { ...spec, nLayer };
  const out: TrainWeights = new Map();
  for (const [name, dims] of weightShapes(student)) {
    const w = weights.get(name);
    if (w === undefined) throw new ModelWeightsError(`the teacher has no weight '${name}'`);
    out.set(name, { dims, data: w.data.slice() });
  }
  return { spec: student, weights: out };
}
