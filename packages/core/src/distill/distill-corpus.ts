import { EVAL_TEXT, EVAL_TEXT_SOURCE } from '../quality/eval-text.ts';
import type { TextTokenizer } from '../runtime/tokenizer.ts';

// The exit-head training corpus: public-domain texts bundled verbatim. Held-out text is the second
// half of the quality eval text (Pride and Prejudice ch. 1); training never sees it — its windows are
// tokenized and run through the model apart from the training text, so no context leaks across.
// Changing any text or the split changes every trained head: bump DISTILL_CORPUS_ID.

export const DISTILL_CORPUS_ID = 'pd-mix-v1';

/** Charles Dickens, A Tale of Two Cities (1859), book 1 ch. 1, first paragraph; public domain (Gutenberg #98). */
const TWO_CITIES = `It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness, it was the spring of hope, it was the winter of despair, we had everything before us, we had nothing before us, we were all going direct to Heaven, we were all going direct the other way - in short, the period was so far like the present period, that some of its noisiest authorities insisted on its being received, for good or for evil, in the superlative degree of comparison only.`;

/** Abraham Lincoln, the Gettysburg Address (1863), Bliss copy; public domain. */
const GETTYSBURG = `Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty, and dedicated to the proposition that all men are created equal.

Now we are engaged in a great civil war, testing whether that nation, or any nation so conceived and so dedicated, can long endure. We are met on a great battle-field of that war. We have come to dedicate a portion of that field, as a final resting place for those who here gave their lives that that nation might live. It is altogether fitting and proper that we should do this.

But, in a larger sense, we can not dedicate - we can not consecrate - we can not hallow - this ground. The brave men, living and dead, who struggled here, have consecrated it, far above our poor power to add or detract. The world will little note, nor long remember what we say here, but it can never forget what they did here. It is for us the living, rather, to be dedicated here to the unfinished work which they who fought here have thus far so nobly advanced. It is rather for us to be here dedicated to the great task remaining before us - that from these honored dead we take increased devotion to that cause for which they gave the last full measure of devotion - that we here highly resolve that these dead shall not have died in vain - that this nation, under God, shall have a new birth of freedom - and that government of the people, by the people, for the people, shall not perish from the earth.`;

export const DISTILL_CORPUS_SOURCE = `${EVAL_TEXT_SOURCE} (first half train, second half held out); Dickens, A Tale of Two Cities, opening; Lincoln, Gettysburg Address`;

/** Token windows: each one is run from position 0 on its own (rows of the teacher forward). */
export type DistillCorpus = { id: string; source: string; train: number[][]; heldOut: number[][] };

/** Splits ids into windows of at most `maxLen` tokens (the model's context); windows shorter than 2 are dropped. */
function windows(ids: number[], maxLen: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += maxLen) {
    const w = ids.slice(i, i + maxLen);
    if (w.length >= 2) out.push(w);
  }
  return out;
}

export function distillCorpus(tokenizer: TextTokenizer, maxLen: number): DistillCorpus {
  // Split the eval text at a paragraph boundary near its middle, so each half is whole sentences.
  const paragraphs = EVAL_TEXT.split('\n\n');
  const half = Math.ceil(paragraphs.length / 2);
  const trainText = [TWO_CITIES, GETTYSBURG, paragraphs.slice(0, half).join('\n\n')];
  const heldOutText = paragraphs.slice(half).join('\n\n');
  return {
    id: DISTILL_CORPUS_ID,
    source: DISTILL_CORPUS_SOURCE,
    train: trainText.flatMap((t) => windows(tokenizer.encode(t), maxLen)),
    heldOut: windows(tokenizer.encode(heldOutText), maxLen),
  };
}
