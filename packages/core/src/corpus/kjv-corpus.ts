import { createHash } from 'node:crypto';
import { PermanentError } from '@inferlab/experiments';
import { EVAL_TEXT } from '../quality/eval-text.ts';
import { KJV_DEBIAN_PACKAGE, KJV_RANGE, kjvPackageVersion, readKjvText } from './kjv-source.ts';

// The pretraining corpus: the KJV text by chapter, as `bible` prints it less the verse references
// (one verse a line, chapters separated by a blank line). Held out: every HELD_OUT_EVERY-th chapter,
// so the held-out set samples every part of the book and no chapter is split across the two sets.
// The quality eval text (quality/eval-text.ts) must not occur in training text; checked here, so a
// future corpus that contains it fails loudly instead of inflating quality numbers.

export const KJV_CORPUS_ID = 'kjv-v1';
/** sha256 of `bible -f Gen1:1-Rev22:21` from bible-kjv 4.38 (Debian bookworm): what the tests pin. */
export const KJV_RAW_SHA256 = 'cd45f0c9cedab8e4439bd6486c8952c77cc8b0ecc5d1f6ae3513f2039f47229d';
export const HELD_OUT_EVERY = 40;

export type TextCorpus = {
  id: string;
  source: string;
  license: string;
  /** sha256 of the raw text as obtained, before any cleaning. */
  sha256: string;
  train: string;
  heldOut: string;
  trainChapters: number;
  heldOutChapters: number;
};

export class CorpusLeakError extends PermanentError {
  override readonly name = 'CorpusLeakError';
}

const VERSE = /^(\d?[A-Za-z]+)(\d+):(\d+) (.*)$/;

/** Chapters in book order, each its verses one a line. */
export function kjvChapters(raw: string): string[] {
  const chapters: string[][] = [];
  let current = '';
  for (const line of raw.split('\n')) {
    const m = VERSE.exec(line);
    if (m === null) {
      const last = chapters.at(-1);
      if (line.trim() !== '' && last !== undefined && last.length > 0) last[last.length - 1] += ` ${line.trim()}`; // a wrapped verse continues
      continue;
    }
    const key = `${m[1]}${m[2]}`;
    if (key !== current) {
      chapters.push([]);
      current = key;
    }
    chapters.at(-1)?.push((m[4] as string).trim());
  }
  return chapters.map((verses) => verses.join('\n'));
}

/** Throws when a sentence (≥ 30 characters) of the quality eval text occurs in `train`. */
export function assertNoEvalText(train: string): void {
  for (const sentence of EVAL_TEXT.split(/(?<=[.!?])\s+/)) {
    if (sentence.length >= 30 && train.includes(sentence)) {
      throw new CorpusLeakError(`the training text contains the quality eval text: "${sentence.slice(0, 60)}…"`);
    }
  }
}

export function splitChapters(chapters: readonly string[]): { train: string; heldOut: string; heldOutChapters: number } {
  const heldOut = chapters.filter((_, i) => i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1);
  const train = chapters.filter((_, i) => i % HELD_OUT_EVERY !== HELD_OUT_EVERY - 1);
  return { train: train.join('\n\n'), heldOut: heldOut.join('\n\n'), heldOutChapters: heldOut.length };
}

export function loadKjvCorpus(raw: string = readKjvText()): TextCorpus {
  const chapters = kjvChapters(raw);
  const { train, heldOut, heldOutChapters } = splitChapters(chapters);
  assertNoEvalText(train);
  let version = 'unknown version';
  try {
    version = kjvPackageVersion();
  } catch {
    // raw text given without the package installed (tests): the sha256 still identifies it
  }
  return {
    id: KJV_CORPUS_ID,
    source: `King James Version (1611), Debian package ${KJV_DEBIAN_PACKAGE} ${version}, \`bible -f ${KJV_RANGE}\``,
    license:
      'public domain (the 1611 translation; Debian\'s copyright file: "The copyright for the King James Version text of the Bible is expired")',
    sha256: createHash('sha256').update(raw).digest('hex'),
    train,
    heldOut,
    trainChapters: chapters.length - heldOutChapters,
    heldOutChapters,
  };
}
