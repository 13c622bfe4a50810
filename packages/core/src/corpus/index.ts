export {
  assertNoEvalText,
  CorpusLeakError,
  HELD_OUT_EVERY,
  KJV_CORPUS_ID,
  KJV_RAW_SHA256,
  kjvChapters,
  loadKjvCorpus,
  splitChapters,
  type TextCorpus,
} from './kjv-corpus.ts';
export { CorpusUnavailableError, KJV_DEBIAN_PACKAGE, KJV_RANGE, kjvPackageVersion, readKjvText } from './kjv-source.ts';
export { CORPUS_TOKENIZER, gpt2Encode, type TokenizedCorpus, tokenizeCorpus } from './tokenize-corpus.ts';
export { type Bpe, countBpeTokens, pretokens, trainBpe } from './train-bpe.ts';
export { unigramPerplexity } from './unigram-perplexity.ts';
