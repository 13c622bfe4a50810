import { estimateTrainBytes, parseTrainRequest } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { estimateTrainMemoryBytes } from '../train/train-memory.ts';
import { pretrainSpec } from './trained-spec.ts';

// The api refuses oversize jobs with experiments' estimate (it loads no inference runtime); the
// worker checks with core's. One rule: the two must agree on every shape.

describe('the api’s memory estimate equals the engine’s', () => {
  it.each([
    { shape: { family: 'gpt2', nLayer: 6, nHead: 4, nEmbd: 128, nPositions: 128 }, batchSize: 8, seqLen: 128 },
    { shape: { family: 'gpt2', nLayer: 48, nHead: 16, nEmbd: 4096, nPositions: 1024 }, batchSize: 4, seqLen: 1024 },
    {
      shape: { family: 'llama', nLayer: 4, hidden: 256, nHead: 4, nKvHead: 2, intermediate: 688, maxPositions: 256 },
      batchSize: 8,
      seqLen: 256,
    },
    {
      shape: { family: 'llama', nLayer: 2, hidden: 64, nHead: 4, nKvHead: 4, intermediate: 128, tieWordEmbeddings: false },
      batchSize: 2,
      seqLen: 64,
    },
  ])('$shape.family L$shape.nLayer', (body) => {
    const r = parseTrainRequest({ ...body, steps: 1 });
    if (r.kind !== 'pretrain' || r.shape === undefined) throw new Error('unreachable');
    for (const kd of [false, true]) {
      expect(estimateTrainBytes(r.shape, r.batchSize, r.seqLen, kd)).toBe(
        estimateTrainMemoryBytes(pretrainSpec(r), r.batchSize, r.seqLen, kd),
      );
    }
  });
});
