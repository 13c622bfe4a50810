import { type DecoderSession, generate, greedyStrategy, type TextTokenizer } from '@inferlab/core';
import type { StrategyStats } from '@inferlab/experiments';

/**
 * Early exit's quality: per request, the share of output positions equal to the full model's
 * greedy output on the same prompt (same max tokens and eos). Run after the measured window; one
 * full-model generation per distinct prompt. Positions past the reference's end count as misses.
 */
export async function addExitAgreement(
  requests: readonly { promptIndex: number; outputTokenIds: number[]; strategyStats?: StrategyStats | undefined }[],
  prompts: readonly string[],
  target: { session: DecoderSession; tokenizer: TextTokenizer },
  maxNewTokens: number,
): Promise<void> {
  const strategy = greedyStrategy(target.session, { useCache: true });
  const reference = new Map<number, number[]>();
  for (const r of requests) {
    const exits = r.strategyStats?.exits;
    if (exits === undefined || r.outputTokenIds.length === 0) continue;
    let ref = reference.get(r.promptIndex);
    if (ref === undefined) {
      const g = await generate(target.tokenizer, prompts[r.promptIndex] as string, {
        maxNewTokens,
        strategy,
        eosTokenIds: target.session.config.eosTokenIds,
      });
      ref = g.outputTokenIds;
      reference.set(r.promptIndex, ref);
    }
    const same = r.outputTokenIds.reduce((n, t, i) => n + (ref[i] === t ? 1 : 0), 0);
    exits.agreement = same / r.outputTokenIds.length;
  }
}
