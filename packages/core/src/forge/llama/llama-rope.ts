import { attr, DataType, type GraphBuilder } from '../../onnx/index.ts';
import type { LlamaSpec } from './llama-spec.ts';

// Rotary position embeddings as HF's LlamaRotaryEmbedding (rope_type 'default') computes them,
// precomputed for every position and gathered by position_ids in the graph:
//   inv_freq[j] = 1 / theta^(2j / hd)   (float32, j < hd/2)
//   angle[p, j] = p · inv_freq[j]        (one float32 multiply, as HF's float32 matmul does)
//   cos/sin[p]  = cos/sin(cat(angle[p], angle[p]))   (hd)
// Each step is rounded to float32 where HF's float32 tensors round, so the tables match HF's to
// the last bit or so (Math.cos vs torch's float32 cos may differ by one ulp).

export type RopeTables = { cos: Float32Array; sin: Float32Array };

/** (maxPositions, headDim) cos and sin tables, row p for position p. */
export function ropeTables(spec: Pick<LlamaSpec, 'maxPositions' | 'headDim' | 'ropeTheta'>): RopeTables {
  const hd = spec.headDim;
  const half = hd / 2;
  const invFreq = Float32Array.from({ length: half }, (_, j) => Math.fround(1 / Math.fround(spec.ropeTheta ** Math.fround((2 * j) / hd))));
  const cos = new Float32Array(spec.maxPositions * hd);
  const sin = new Float32Array(spec.maxPositions * hd);
  for (let p = 0; p < spec.maxPositions; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * (invFreq[j] as number));
      for (const col of [j, j + half]) {
        cos[p * hd + col] = Math.cos(angle);
        sin[p * hd + col] = Math.sin(angle);
      }
    }
  }
  return { cos, sin };
}

export type RopeNames = { cos: string; sin: string; halves: string };

/** Gathers the tables at position_ids once for all layers: cos, sin (B, 1, S, hd). */
export function buildRopeInputs(g: GraphBuilder, spec: LlamaSpec, positionIds: string): RopeNames {
  const { cos, sin } = ropeTables(spec);
  const dims = [spec.maxPositions, spec.headDim];
  const gathered = (name: string, table: Float32Array) =>
    g.op('Unsqueeze', [
      g.op('Gather', [g.initializer(name, DataType.FLOAT, dims, table), positionIds], { axis: attr.int(0) }),
      g.int64('rope_axes', [1]),
    ]);
  const half = spec.headDim / 2;
  return { cos: gathered('rope_cos', cos), sin: gathered('rope_sin', sin), halves: g.int64('rope_halves', [half, half]) };
}

/** x·cos + rotate_half(x)·sin for x (B, heads, S, hd); rotate_half(x) = cat(−x[hd/2:], x[:hd/2]). */
export function applyRope(g: GraphBuilder, x: string, rope: RopeNames): string {
  const [x1, x2] = g.node('Split', [x, rope.halves], 2, { axis: attr.int(-1) }) as [string, string]; // each (B, heads, S, hd/2)
  const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: attr.int(-1) }); // (B, heads, S, hd)
  return g.op('Add', [g.op('Mul', [x, rope.cos]), g.op('Mul', [rotated, rope.sin])]);
}
