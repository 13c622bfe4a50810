import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GgufError, type GgufMetadata, gv } from './gguf-format.ts';

// tokenizer.json (Hugging Face tokenizers) → llama.cpp's tokenizer.ggml.* keys. Two kinds:
//  - byte-level BPE (GPT-2's, and forge Llama's, which reuse it): model 'gpt2', pre 'gpt-2',
//    tokens by id, merges in rank order, token types;
//  - SentencePiece-style BPE with byte fallback (Llama 1/2): model 'llama', with scores; the
//    pieces are in the SentencePiece model's order, whose BPE scores fall with the id, so the
//    score is −id (what llama.cpp's SPM merge loop needs: a higher score merges first).

/** llama_token_type. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

type AddedToken = { id: number; content: string; special: boolean };
type TokenizerJson = {
  added_tokens?: AddedToken[];
  pre_tokenizer?: { type?: string; pretokenizers?: Array<{ type?: string }> } | null;
  decoder?: { type?: string; decoders?: Array<{ type?: string }> } | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    merges?: Array<string | [string, string]>;
    byte_fallback?: boolean;
    unk_token?: string | null;
  };
};

export type TokenizerIds = { bos: number | null; eos: number | null; vocabSize: number };

function isByteLevel(t: TokenizerJson): boolean {
  const types = [t.pre_tokenizer?.type, ...(t.pre_tokenizer?.pretokenizers ?? []).map((p) => p.type)];
  return types.includes('ByteLevel');
}

/** Tokens by id, padded to `vocabSize` with unused placeholders (configs often round the vocabulary up). */
function tokensById(t: TokenizerJson, vocabSize: number): { tokens: string[]; known: boolean[] } {
  const tokens: string[] = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const known = new Array<boolean>(vocabSize).fill(false);
  const put = (text: string, id: number) => {
    if (id >= vocabSize) throw new GgufError(`tokenizer.json: token ${JSON.stringify(text)} has id ${id} ≥ vocab_size ${vocabSize}`);
    tokens[id] = text;
    known[id] = true;
  };
  for (const [text, id] of Object.entries(t.model.vocab)) put(text, id);
  for (const a of t.added_tokens ?? []) put(a.content, a.id);
  return { tokens, known };
}

function tokenTypes(t: TokenizerJson, known: boolean[], tokens: string[], spm: boolean): number[] {
  const added = new Map((t.added_tokens ?? []).map((a) => [a.id, a]));
  return tokens.map((text, id) => {
    if (!known[id]) return TOKEN_TYPE.unused;
    const a = added.get(id);
    if (spm && text === t.model.unk_token) return TOKEN_TYPE.unknown;
    if (a !== undefined) return a.special ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
    if (spm && /^<0x[0-9A-F]{2}>$/.test(text)) return TOKEN_TYPE.byte;
    return TOKEN_TYPE.normal;
  });
}

/** The tokenizer.ggml.* entries for the folder's tokenizer.json, appended to `metadata`. */
export function addTokenizerMetadata(metadata: GgufMetadata, folder: string, ids: TokenizerIds): void {
  let t: TokenizerJson;
  try {
    t = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')) as TokenizerJson;
  } catch (cause) {
    throw new GgufError(`${folder}: no readable tokenizer.json`, { cause });
  }
  if (t.model.type !== 'BPE') throw new GgufError(`tokenizer.json: model type ${t.model.type} is not written to GGUF (BPE only)`);
  const byteLevel = isByteLevel(t);
  const spm = !byteLevel && t.model.byte_fallback === true;
  if (!byteLevel && !spm) throw new GgufError('tokenizer.json: neither byte-level BPE (GPT-2) nor byte-fallback BPE (SentencePiece)');
  const { tokens, known } = tokensById(t, ids.vocabSize);
  metadata.set('tokenizer.ggml.model', gv.str(spm ? 'llama' : 'gpt2'));
  if (!spm) metadata.set('tokenizer.ggml.pre', gv.str('gpt-2'));
  metadata.set('tokenizer.ggml.tokens', gv.strs(tokens));
  if (spm) {
    metadata.set(
      'tokenizer.ggml.scores',
      gv.nums(
        'float32',
        tokens.map((_, id) => -id),
      ),
    );
  }
  metadata.set('tokenizer.ggml.token_type', gv.nums('int32', tokenTypes(t, known, tokens, spm)));
  if (!spm) {
    const merges = (t.model.merges ?? []).map((m) => (typeof m === 'string' ? m : m.join(' ')));
    metadata.set('tokenizer.ggml.merges', gv.strs(merges));
  }
  if (ids.bos !== null) metadata.set('tokenizer.ggml.bos_token_id', gv.u32(ids.bos));
  if (ids.eos !== null) metadata.set('tokenizer.ggml.eos_token_id', gv.u32(ids.eos));
  if (spm && t.model.unk_token) {
    const unk = t.model.vocab[t.model.unk_token];
    if (unk !== undefined) metadata.set('tokenizer.ggml.unknown_token_id', gv.u32(unk));
  }
  // Our engine encodes prompts without special tokens; so does the llama.cpp runner.
  metadata.set('tokenizer.ggml.add_bos_token', gv.bool(false));
  metadata.set('tokenizer.ggml.add_eos_token', gv.bool(false));
}
