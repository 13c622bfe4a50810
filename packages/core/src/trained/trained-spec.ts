import { PermanentError, type TrainJobRequest, type TrainShape } from '@inferlab/experiments';
import { type ForgeSpec, forgeSpec } from '../forge/forge-models.ts';
import type { TrainWeights } from '../train/checkpoint.ts';
import { firstLayers, readModelWeights } from '../train/model-weights.ts';

export class StudentShapeError extends PermanentError {
  override readonly name = 'StudentShapeError';
}

// A train job's model: the shape it asked for (or a forge model's), and for a student the initial
// weights — the teacher's first N layers read back from the teacher folder's own graph.

export function specOfShape(shape: TrainShape, seed: number): ForgeSpec {
  if (shape.family === 'gpt2') return { ...shape, seed };
  const { tieWordEmbeddings, ...rest } = shape;
  return { ...rest, headDim: shape.hidden / shape.nHead, ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings, seed };
}

export function pretrainSpec(r: Extract<TrainJobRequest, { kind: 'pretrain' }>): ForgeSpec {
  if (r.shape !== undefined) return specOfShape(r.shape, r.seed);
  const { derivedFrom: _d, ...spec } = forgeSpec((r.model ?? '').replace(/^forge:/, '')) as ForgeSpec & { derivedFrom?: unknown };
  return { ...spec, seed: r.seed } as ForgeSpec;
}

/** The student's spec and starting weights: a shape from forge's init, or the teacher folder's first N layers. */
export function studentStart(
  r: Extract<TrainJobRequest, { kind: 'student' }>,
  teacherFolder: string,
): { spec: ForgeSpec; weights?: TrainWeights } {
  if ('family' in r.student) return { spec: specOfShape(r.student, r.seed) };
  const teacher = readModelWeights(teacherFolder);
  const n = r.student.firstLayers;
  if (n > teacher.spec.nLayer) throw new StudentShapeError(`student.firstLayers: ${n} exceeds the teacher's ${teacher.spec.nLayer} layers`);
  const student = firstLayers(teacher.spec, teacher.weights, n);
  return { spec: { ...student.spec, seed: r.seed } as ForgeSpec, weights: student.weights };
}
