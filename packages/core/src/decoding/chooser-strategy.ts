import type { DecoderSession } from '../runtime/decoder-session.ts';
import { DecodeSequence } from './decode-sequence.ts';
import type { DecodeRun, DecodingStrategy, TokenChooser } from './strategy.ts';

/**
 * One token per step from a fresh chooser per request (so a seeded sampler restarts its stream):
 * greedy and sampling. The last chosen token is fed lazily, at the next step, so a request's
 * final token never costs a forward pass.
 */
export function chooserStrategy(
  name: string,
  session: DecoderSession,
  useCache: boolean,
  newChooser: () => TokenChooser,
  prefillChunk = 0,
): DecodingStrategy {
  return {
    name,
    maxPositions: session.config.maxPositions,
    async start(promptIds): Promise<DecodeRun> {
      const seq = new DecodeSequence(session, useCache, prefillChunk);
      const chooser = newChooser();
      const vocab = session.config.vocabSize;
      seq.push(...promptIds);
      return {
        async step() {
          const logits = await seq.feed(1); // (1, vocab): predicts the next token
          const rows = logits.length / vocab;
          const token = chooser.choose(logits, (rows - 1) * vocab, vocab, seq.tokens);
          seq.push(token);
          return { tokens: [token], done: false };
        },
        get kvCacheBytes() {
          return seq.kvCacheBytes;
        },
        stats: () => null,
        score: () => null,
      };
    },
  };
}
