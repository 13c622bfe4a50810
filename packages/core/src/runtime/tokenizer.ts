import { AutoTokenizer, env } from '@huggingface/transformers';
import { PermanentError } from '@inferlab/experiments';

/** The two operations the engine needs from a tokenizer. */
export type TextTokenizer = {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
};

export class TokenizerLoadError extends PermanentError {
  override name = 'TokenizerLoadError';
}

/** Loads `tokenizer.json` from a local HF-layout folder with transformers.js's AutoTokenizer. */
export async function loadTokenizer(folder: string): Promise<TextTokenizer> {
  env.allowLocalModels = true;
  try {
    const tok = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    return {
      encode: (text) => tok.encode(text, { add_special_tokens: false }),
      decode: (ids) => tok.decode(ids as number[], { skip_special_tokens: true }),
    };
  } catch (cause) {
    throw new TokenizerLoadError(`cannot load the tokenizer in ${folder}: ${(cause as Error).message}`, { cause });
  }
}
