import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'gpt-3-encoder';
import type { TextCorpus } from './kjv-corpus.ts';

// A text corpus as GPT-2 token ids (the tokenizer every forge model and GPT-2 checkpoint shares, so
// a model trained here can draft for hub GPT-2s). Encoding 4 MB in JS takes seconds, so the ids
// are cached per (corpus id, text sha256) as little-endian int32 files, written atomically.

export const CORPUS_TOKENIZER = 'gpt2';

export type TokenizedCorpus = { corpusId: string; tokenizer: string; train: Int32Array; heldOut: Int32Array };

/** GPT-2 ids of `text`, encoded a line at a time (GPT-2's pre-tokenizer never joins across a newline). */
export function gpt2Encode(text: string): Int32Array {
  const out: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const id of encode(i < lines.length - 1 ? `${line}\n` : line)) out.push(id);
  });
  return Int32Array.from(out);
}

function cached(path: string, make: () => Int32Array): Int32Array {
  if (existsSync(path)) {
    const bytes = readFileSync(path);
    return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }
  const ids = make();
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
  renameSync(tmp, path);
  return ids;
}

export function tokenizeCorpus(corpus: TextCorpus, options: { cacheDir?: string } = {}): TokenizedCorpus {
  const key = `${corpus.id}-${corpus.sha256.slice(0, 16)}-${CORPUS_TOKENIZER}`;
  const make = (split: 'train' | 'heldOut') => () => gpt2Encode(corpus[split]);
  if (options.cacheDir === undefined) {
    return { corpusId: corpus.id, tokenizer: CORPUS_TOKENIZER, train: make('train')(), heldOut: make('heldOut')() };
  }
  mkdirSync(options.cacheDir, { recursive: true });
  return {
    corpusId: corpus.id,
    tokenizer: CORPUS_TOKENIZER,
    train: cached(join(options.cacheDir, `${key}.train.i32`), make('train')),
    heldOut: cached(join(options.cacheDir, `${key}.heldout.i32`), make('heldOut')),
  };
}
