import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { LlamaCppRunner } from '../engine/llama-cpp-runner.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';

// Llama 1/2's tokenizer kind: SentencePiece BPE exported to tokenizer.json (▁ for spaces, byte
// fallback, <unk> <s> </s>), here a small hand-made one in that exact layout on llama-tiny's
// weights. llama.cpp's SPM tokenizer (model 'llama', scores, token types) must split text as
// transformers.js splits it with the same tokenizer.json, byte fallback included.

const SPECIAL = ['<unk>', '<s>', '</s>'];
const BYTES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
const CHARS = [...'▁abcdefghijklmnopqrstuvwxyz'];
// Pieces beyond single characters, in SentencePiece's order (its BPE scores fall with the id).
const PIECES = [
  '▁t',
  'he',
  '▁the',
  '▁a',
  'at',
  '▁s',
  '▁c',
  '▁cat',
  '▁sat',
  '▁o',
  '▁on',
  '▁m',
  '▁mat',
  'll',
  'ell',
  'hell',
  '▁hell',
  '▁hello',
];
const MORE = ['or', '▁w', '▁wor', 'ld', '▁world', 'in', '▁in'];
const ALL = [...SPECIAL, ...BYTES, ...CHARS, ...PIECES, ...MORE];
// As transformers' SentencePieceExtractor writes merges: every split of a piece into two pieces
// of the vocabulary, ordered by the merged piece's id, then the parts' ids.
function merges(): string[] {
  const id = new Map(ALL.map((p, i) => [p, i]));
  const out: Array<[number, number, number, string]> = [];
  for (const piece of [...PIECES, ...MORE]) {
    const chars = [...piece];
    for (let k = 1; k < chars.length; k++) {
      const [l, r] = [chars.slice(0, k).join(''), chars.slice(k).join('')];
      if (id.has(l) && id.has(r)) out.push([id.get(piece) as number, id.get(l) as number, id.get(r) as number, `${l} ${r}`]);
    }
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]).map((m) => m[3]);
}

function tokenizerJson(): string {
  const vocab = Object.fromEntries(ALL.map((p, i) => [p, i]));
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: null,
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: merges(),
    },
  });
}

let folder: string;
let runner: LlamaCppRunner;
beforeAll(async () => {
  const llamaTiny = join(await sharedModelsDir(['llama-tiny']), 'forge', 'llama-tiny');
  folder = mkdtempSync(join(tmpdir(), 'inferlab-spm-'));
  mkdirSync(join(folder, 'onnx'));
  copyFileSync(join(llamaTiny, 'config.json'), join(folder, 'config.json'));
  copyFileSync(join(llamaTiny, 'onnx', 'model.onnx'), join(folder, 'onnx', 'model.onnx'));
  writeFileSync(join(folder, 'tokenizer.json'), tokenizerJson());
  writeFileSync(
    join(folder, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'LlamaTokenizer', add_bos_token: false, legacy: true }),
  );
  runner = await LlamaCppRunner.load(folder, { dtype: 'fp32', threads: 1, gpu: false });
}, 300_000);
afterAll(async () => {
  await runner?.release();
  rmSync(folder, { recursive: true, force: true });
});

describe('SentencePiece-style tokenizer.json in GGUF', () => {
  it.each(['hello world', 'the cat sat on the mat', 'in the world, hello!', 'Hello World: the mat 42 ü'])(
    'llama.cpp splits %j as transformers.js does',
    async (text) => {
      const ours = (await loadTokenizer(folder)).encode(text);
      expect(runner.tokenize(text)).toEqual(ours);
    },
  );

  it('uses the merged pieces, and bytes for what the vocabulary lacks', async () => {
    const ids = runner.tokenize('hello world!');
    const vocab = JSON.parse(tokenizerJson()).model.vocab as Record<string, number>;
    expect(ids).toEqual([vocab['▁hello'], vocab['▁world'], vocab['<0x21>']]);
  });
});
