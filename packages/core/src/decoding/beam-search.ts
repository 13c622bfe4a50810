import type { KvCache } from '../kv-cache/kv-cache.ts';
import type { DecoderSession } from '../runtime/decoder-session.ts';
import { logSoftmax } from '../sampling/logits-processors.ts';
import { BeamHypotheses, topCandidates } from './beam-hypotheses.ts';
import type { DecodeRun, DecodingStrategy } from './strategy.ts';

export type BeamOptions = {
  numBeams: number;
  /** Hypothesis score = Σ log p / (generated length ^ lengthPenalty); > 0 favours longer ones. */
  lengthPenalty: number;
  /** true: stop once numBeams hypotheses ended; false: once no running beam can beat them (HF). */
  earlyStopping: boolean;
  /** Restrict the search to these tokens (log-softmax over them alone); the exhaustive-search test uses it. */
  allowedTokenIds?: readonly number[];
};

/**
 * Beam search over numBeams rows of one batch. Each step scores every (beam, token) extension,
 * keeps the best numBeams that do not end, files those ending in eos as hypotheses, and REORDERS
 * the KV cache rows to the surviving beams' parents (never recomputed). Tokens are final only when
 * the search is, so the whole best sequence is emitted in one event at the end.
 */
export function beamSearchStrategy(session: DecoderSession, opts: BeamOptions): DecodingStrategy {
  const vocab = session.config.vocabSize;
  const B = opts.numBeams;
  const logProbs = (logits: Float32Array, row: number): Float64Array => {
    if (opts.allowedTokenIds === undefined) return logSoftmax(logits, row * vocab, vocab);
    const sub = Float32Array.from(opts.allowedTokenIds, (t) => logits[row * vocab + t] as number);
    const lp = logSoftmax(sub, 0, sub.length);
    const out = new Float64Array(vocab).fill(Number.NEGATIVE_INFINITY);
    opts.allowedTokenIds.forEach((t, i) => {
      out[t] = lp[i] as number;
    });
    return out;
  };
  return {
    name: 'beam',
    maxPositions: session.config.maxPositions,
    async start(promptIds, limits): Promise<DecodeRun> {
      let past: KvCache = session.emptyCache(1);
      let kvBytes = 0;
      let best: { tokens: number[]; score: number } | null = null;
      const forward = async (ids: number[], rows: number, mask: number, positions: number[]) => {
        const seq = ids.length / rows;
        const out = await session.forward({
          batch: rows,
          seq,
          inputIds: BigInt64Array.from(ids, BigInt), // (rows, seq)
          attentionMask: new BigInt64Array(rows * mask).fill(1n), // (rows, past + seq)
          positionIds: BigInt64Array.from({ length: rows * seq }, (_, i) => BigInt(positions[i % seq] as number)),
          past,
          logitsToKeep: 1,
        });
        past = out.present;
        kvBytes = Math.max(kvBytes, past.bytes);
        return out.logits; // (rows, 1, vocab): each row's last position
      };
      const search = async (): Promise<{ tokens: number[]; score: number }> => {
        const P = promptIds.length;
        const prefill = await forward(
          [...promptIds],
          1,
          P,
          promptIds.map((_, i) => i),
        );
        const first = logProbs(prefill, 0);
        past = past.selectRows(new Array(B).fill(0)); // (B, heads, P, head_dim): every beam starts from the prompt
        let lp: Float64Array[] = new Array(B).fill(first);
        // Only beam 0 is live at first, so the first step does not pick the same token B times.
        let scores = Array.from({ length: B }, (_, b) => (b === 0 ? 0 : Number.NEGATIVE_INFINITY));
        let beams: number[][] = Array.from({ length: B }, () => []);
        const hyps = new BeamHypotheses(B, opts.lengthPenalty, opts.earlyStopping);
        for (let cur = 0; cur < limits.maxNewTokens; cur++) {
          if (cur > 0) {
            const logits = await forward(
              beams.map((b) => b[b.length - 1] as number),
              B,
              P + cur,
              [P + cur - 1],
            );
            lp = beams.map((_, b) => logProbs(logits, b));
          }
          const candidates = topCandidates(lp, scores, B * (1 + limits.eosTokenIds.length));
          const next: { parent: number; token: number; score: number }[] = [];
          for (const [rank, c] of candidates.entries()) {
            if (limits.eosTokenIds.includes(c.token)) {
              if (rank < B) hyps.add([...(beams[c.parent] as number[]), c.token], c.score);
            } else next.push(c);
            if (next.length === B) break;
          }
          const bestRunning = Math.max(...next.map((c) => c.score));
          if (hyps.isDone(bestRunning, cur + 1) || next.length === 0) break;
          // Fewer live extensions than beams (a restricted vocabulary): dead copies keep the batch shape.
          while (next.length < B) next.push({ ...(next[0] as (typeof next)[number]), score: Number.NEGATIVE_INFINITY });
          past = past.selectRows(next.map((c) => c.parent)); // reorder (batch) rows to the parents
          beams = next.map((c) => [...(beams[c.parent] as number[]), c.token]);
          scores = next.map((c) => c.score);
          if (cur === limits.maxNewTokens - 1) {
            beams.forEach((b, i) => {
              if (scores[i] !== Number.NEGATIVE_INFINITY) hyps.add(b, scores[i] as number);
            });
          }
        }
        const top = hyps.best();
        if (top === null) throw new RangeError('beam search ended without a hypothesis');
        return top;
      };
      return {
        async step() {
          best = await search();
          return { tokens: best.tokens, done: true };
        },
        get kvCacheBytes() {
          return kvBytes;
        },
        stats: () => null,
        score: () => best?.score ?? null,
      };
    },
  };
}
