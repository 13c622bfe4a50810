import { describe, expect, it } from 'vitest';
import { EVAL_TEXT } from '../quality/eval-text.ts';
import { assertNoEvalText, CorpusLeakError, HELD_OUT_EVERY, KJV_RAW_SHA256, kjvChapters, loadKjvCorpus } from './kjv-corpus.ts';
import { readKjvText } from './kjv-source.ts';
import { gpt2Encode } from './tokenize-corpus.ts';

// The real corpus from Debian's bible-kjv (scripts/ensure-system-deps.mjs installs it).

const raw = readKjvText();

describe('KJV corpus', () => {
  it('is the pinned text: sha256, 1,189 chapters, Genesis to Revelation', () => {
    expect(loadKjvCorpus(raw).sha256).toBe(KJV_RAW_SHA256);
    const chapters = kjvChapters(raw);
    expect(chapters).toHaveLength(1189);
    expect(chapters[0]?.startsWith('In the beginning God created the heaven and the earth.\nAnd the earth')).toBe(true);
    expect(chapters.join('\n').split('\n')).toHaveLength(31102); // verses
    expect(chapters.at(-1)?.endsWith('The grace of our Lord Jesus Christ be with you all. Amen.')).toBe(true);
  });

  it('splits by whole chapters, deterministically, every 40th chapter held out', () => {
    const a = loadKjvCorpus(raw);
    const b = loadKjvCorpus(raw);
    expect(b.train).toBe(a.train);
    expect(b.heldOut).toBe(a.heldOut);
    expect(a.heldOutChapters).toBe(Math.floor(1189 / HELD_OUT_EVERY));
    expect(a.trainChapters + a.heldOutChapters).toBe(1189);
    const held = a.heldOut.split('\n\n');
    for (const chapter of held) expect(a.train.includes(chapter)).toBe(false);
    expect(a.license).toMatch(/public domain/);
    expect(a.source).toMatch(/bible-kjv/);
  });

  it('keeps the quality eval text out of training, and would refuse a corpus that contains it', () => {
    expect(() => assertNoEvalText(loadKjvCorpus(raw).train)).not.toThrow();
    expect(() => assertNoEvalText(`Genesis. ${EVAL_TEXT.slice(0, 400)}`)).toThrow(CorpusLeakError);
  });

  it('tokenizes with GPT-2 BPE, a paragraph at a time', () => {
    const ids = gpt2Encode('In the beginning God created the heaven and the earth.\n\nAnd the earth was without form');
    expect(ids.length).toBeGreaterThan(15);
    expect(ids[0]).toBe(818); // "In"
  });
});
