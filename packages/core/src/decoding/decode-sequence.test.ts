import { afterAll, describe, expect, it } from 'vitest';
import { testModels } from '../testing/test-models.ts';
import { DecodeSequence } from './decode-sequence.ts';

// Chunked prefill: ceil(n / chunk) forwards for an n-token prompt, the last chunk's row returned,
// the same logits (within float noise) as one forward; rows asked beyond the last chunk: one forward.
describe('DecodeSequence prefillChunk', () => {
  const models = testModels('in-place');
  afterAll(() => models.pool.clear());

  it('prefills in chunks, counts each forward, and returns the one-forward logits of the last row', async () => {
    const m = await models.load('gpt2-tiny');
    const prompt = m.tokenizer.encode('one two three four five six seven eight nine ten eleven');
    const whole = new DecodeSequence(m.session, true);
    const chunked = new DecodeSequence(m.session, true, 4);
    whole.push(...prompt);
    chunked.push(...prompt);
    const [a, b] = [await whole.feed(1), await chunked.feed(1)];
    expect(whole.forwards).toBe(1);
    expect(chunked.forwards).toBe(Math.ceil(prompt.length / 4));
    expect(b.length).toBe(a.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
    expect(maxDiff).toBeLessThan(1e-3);
    // The next step reads the chunks' cache: same next logits.
    whole.push(7);
    chunked.push(7);
    const [c, d] = [await whole.feed(1), await chunked.feed(1)];
    expect(Math.max(...c.map((x, i) => Math.abs(x - (d[i] as number))))).toBeLessThan(1e-3);

    const all = new DecodeSequence(m.session, true, 4);
    all.push(...prompt);
    expect((await all.feed(0)).length).toBe(prompt.length * m.session.config.vocabSize); // every row: one forward
    expect(all.forwards).toBe(1);
  }, 60_000);
});
