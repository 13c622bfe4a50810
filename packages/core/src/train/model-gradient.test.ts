import { describe, expect, it } from 'vitest';
import type { ForgeSpec, Gpt2Spec } from '../forge/forge-models.ts';
import { llamaReferenceLogits } from '../forge/llama/llama-reference.ts';
import type { LlamaSpec } from '../forge/llama/llama-spec.ts';
import type { TrainWeights } from './checkpoint.ts';
import { gpt2ReferenceLogits, referenceCrossEntropy } from './gpt2-reference.ts';
import { forgeInitialWeights, TrainSession } from './train-session.ts';

// The whole training graph's gradient of a tiny model against central finite differences of an
// independent float64 forward (gpt2-reference.ts, forge/llama/llama-reference.ts): every weight of
// every tensor. The FD step is divided by the perturbation the float32 weight actually took, so the
// reference gradient is exact to O(h²) and the bound measures the graph's float32 error alone.

const GPT2: Gpt2Spec = { family: 'gpt2', nLayer: 2, nHead: 2, nEmbd: 8, nPositions: 8, vocabSize: 11, seed: 5 };
const LLAMA: LlamaSpec = {
  family: 'llama',
  nLayer: 2,
  hidden: 8,
  nHead: 4,
  nKvHead: 2,
  headDim: 2,
  intermediate: 12,
  maxPositions: 8,
  vocabSize: 11,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  seed: 6,
};
const SEQS = [
  [1, 4, 4, 9, 2, 0],
  [7, 3, 10, 3, 5, 6],
]; // (B, S + 1): inputs then next tokens

/** Forge's init scaled up (matrices ×15, norms 1 ± 0.1, biases ±0.1) so every weight moves the loss visibly. */
function tinyWeights(spec: ForgeSpec): TrainWeights {
  const weights = forgeInitialWeights(spec);
  for (const [name, w] of weights) {
    w.data.forEach((x, i) => {
      if (w.dims.length > 1) w.data[i] = x * 15;
      else w.data[i] = x + 0.1 * Math.sin(i + name.length);
    });
  }
  return weights;
}

function referenceLoss(spec: ForgeSpec, weights: TrainWeights): number {
  let sum = 0;
  for (const seq of SEQS) {
    const ids = seq.slice(0, -1);
    const logits = spec.family === 'gpt2' ? gpt2ReferenceLogits(spec, weights, ids) : llamaReferenceLogits(spec, weights, ids);
    sum += referenceCrossEntropy(logits, seq.slice(1));
  }
  return sum / SEQS.length;
}

async function checkModel(spec: ForgeSpec) {
  const weights = tinyWeights(spec);
  const session = await TrainSession.create(spec, weights, { loss: { kind: 'ce' }, grads: true, threads: 1, executionProvider: 'cpu' });
  const S = (SEQS[0] as number[]).length - 1;
  const out = await session.run({
    inputIds: BigInt64Array.from(
      SEQS.flatMap((s) => s.slice(0, -1)),
      BigInt,
    ),
    targets: BigInt64Array.from(
      SEQS.flatMap((s) => s.slice(1)),
      BigInt,
    ),
    batch: SEQS.length,
    seq: S,
  });
  await session.release();
  const h = 1e-3;
  let maxAbsError = 0;
  let maxAbsGrad = 0;
  [...weights.values()].forEach((w, t) => {
    const grad = out.grads[t] as Float32Array;
    for (let i = 0; i < w.data.length; i++) {
      const x = w.data[i] as number;
      w.data[i] = x + h;
      const up = w.data[i] as number;
      const lossUp = referenceLoss(spec, weights);
      w.data[i] = x - h;
      const down = w.data[i] as number;
      const lossDown = referenceLoss(spec, weights);
      w.data[i] = x;
      const fd = (lossUp - lossDown) / (up - down);
      maxAbsError = Math.max(maxAbsError, Math.abs(fd - (grad[i] as number)));
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(fd));
    }
  });
  return { loss: out.loss, referenceLoss: referenceLoss(spec, weights), maxAbsError, maxAbsGrad };
}

describe('whole-model gradient vs a float64 reference', () => {
  for (const spec of [GPT2, LLAMA]) {
    it(`${spec.family}: loss and every weight's gradient`, async () => {
      const r = await checkModel(spec);
      console.log(
        `${spec.family} whole-model gradient: max |graph − float64 FD| ${r.maxAbsError.toExponential(2)}, max |grad| ${r.maxAbsGrad.toFixed(3)}`,
      );
      expect(Math.abs(r.loss - r.referenceLoss)).toBeLessThan(1e-5 * r.referenceLoss);
      expect(r.maxAbsGrad).toBeGreaterThan(0.1);
      expect(r.maxAbsError).toBeLessThan(1e-4 * r.maxAbsGrad);
    });
  }
});
