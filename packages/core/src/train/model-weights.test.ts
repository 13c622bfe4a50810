import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { firstLayers, ModelWeightsError, readModelWeights, weightShapes } from './model-weights.ts';
import { forgeInitialWeights } from './train-session.ts';
import { writeTrainedFolder } from './trained-folder.ts';

const LLAMA: ForgeSpec = {
  family: 'llama',
  nLayer: 3,
  hidden: 16,
  nHead: 4,
  nKvHead: 2,
  headDim: 4,
  intermediate: 24,
  maxPositions: 16,
  vocabSize: 30,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  seed: 2,
};
const GPT2: ForgeSpec = { family: 'gpt2', nLayer: 3, nHead: 2, nEmbd: 8, nPositions: 16, vocabSize: 30, seed: 3 };
const root = mkdtempSync(join(tmpdir(), 'inferlab-weights-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model weights', () => {
  for (const spec of [GPT2, LLAMA]) {
    it(`${spec.family}: names and dims match forge's weights; a folder reads back what was written`, () => {
      const weights = forgeInitialWeights(spec);
      expect(weightShapes(spec)).toEqual([...weights].map(([name, w]) => [name, w.dims]));
      const dir = join(root, spec.family);
      writeTrainedFolder(dir, { name: spec.family, spec, weights, card: {} });
      const back = readModelWeights(dir);
      expect(back.spec.nLayer).toBe(spec.nLayer);
      for (const [name, w] of weights) expect(back.weights.get(name)?.data).toEqual(w.data);
    });

    it(`${spec.family}: the first N layers of a teacher`, () => {
      const weights = forgeInitialWeights(spec);
      const student = firstLayers(spec, weights, 2);
      expect(student.spec.nLayer).toBe(2);
      expect([...student.weights.keys()]).toEqual(weightShapes(student.spec).map(([name]) => name));
      for (const [name, w] of student.weights) expect(w.data).toEqual(weights.get(name)?.data);
      expect(() => firstLayers(spec, weights, 4)).toThrow(ModelWeightsError);
    });
  }
});
