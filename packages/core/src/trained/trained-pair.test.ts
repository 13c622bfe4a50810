import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelsDirFromEnv } from '@inferlab/experiments';
import { decode } from 'gpt-3-encoder';
import { describe, expect, it } from 'vitest';
import { loadKjvCorpus } from '../corpus/kjv-corpus.ts';
import { tokenizeCorpus } from '../corpus/tokenize-corpus.ts';
import { unigramPerplexity } from '../corpus/unigram-perplexity.ts';
import { loadTeacher } from '../train/teacher-session.ts';
import { greedyContinuation } from './greedy-continuation.ts';
import { studentAgreement } from './student-agreement.ts';

// The trained pair of `npm run train:pair` (≈9 min of CPU, so not trained here): run when it exists
// under INFERLAB_TRAINED_PAIR_DIR (default <modelsDir>/trained), skipped otherwise.

const root = process.env['INFERLAB_TRAINED_PAIR_DIR'] ?? join(modelsDirFromEnv(process.env), 'trained');
const target = join(root, 'kjv-gpt2-l6', 'pair-v1');
const kd = join(root, 'kjv-gpt2-l2-kd', 'pair-v1');
const ce = join(root, 'kjv-gpt2-l2-ce', 'pair-v1');
const present = [target, kd, ce].every((d) => existsSync(join(d, 'onnx', 'model.onnx')));

describe.skipIf(!present)('the trained pair (npm run train:pair)', () => {
  const corpus = tokenizeCorpus(loadKjvCorpus(), { cacheDir: join(root, '..', 'corpus-cache') });

  it('target: held-out perplexity at most half the unigram baseline; greedy continuation made of corpus words', async () => {
    const t = await loadTeacher(target, 2);
    try {
      const self = await studentAgreement(t, t, corpus.heldOut, { seqLen: 128, windows: 16 });
      const unigram = unigramPerplexity(corpus.train, corpus.heldOut, t.vocabSize);
      expect(Math.exp(self.teacherCe)).toBeLessThanOrEqual(unigram / 2);
      const prompt = [...corpus.heldOut.subarray(0, 16)];
      const words = decode(await greedyContinuation(t, prompt, 24)).match(/[A-Za-z]+/g) ?? [];
      expect(words.length).toBeGreaterThan(5);
      const vocabulary = new Set(loadKjvCorpus().train.match(/[A-Za-z]+/g));
      expect(words.filter((w) => !vocabulary.has(w))).toEqual([]);
    } finally {
      await t.release();
    }
  }, 120_000);

  it('the KD student is closer to the target than the same student trained with CE alone', async () => {
    const t = await loadTeacher(target, 2);
    const [k, c] = await Promise.all([loadTeacher(kd, 2), loadTeacher(ce, 2)]);
    try {
      const a = await studentAgreement(t, k, corpus.heldOut, { seqLen: 128, windows: 8 });
      const b = await studentAgreement(t, c, corpus.heldOut, { seqLen: 128, windows: 8 });
      expect(a.kl).toBeLessThan(b.kl);
      expect(a.top1).toBeGreaterThan(b.top1);
    } finally {
      await Promise.all([t.release(), k.release(), c.release()]);
    }
  }, 120_000);
});
