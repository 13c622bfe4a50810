import { chooserFactory, type DecoderSession, generateContinuous, type TextTokenizer } from '@inferlab/core';
import type { CellConfig } from '@inferlab/experiments';
import type { ServedRecord } from './server-scenario.ts';

export type OfflineSpec = Pick<CellConfig, 'decoding' | 'maxNewTokens' | 'batchSize'>;

/**
 * MLPerf-style offline scenario: every measured request is issued at once, at the window's start,
 * and the continuous-batching engine keeps up to `batchSize` decoding together. Each request's t0
 * is that common issue time, so its TTFT includes waiting for a batch slot; `queueMs` is 0 and
 * throughput is the number that matters.
 */
export async function measureOffline(
  pending: readonly { repetition: number; promptIndex: number }[],
  spec: OfflineSpec,
  model: { session: DecoderSession; tokenizer: TextTokenizer; isCancelled?: () => boolean },
  prompts: readonly string[],
  windowStart: number,
): Promise<{ requests: ServedRecord[]; kvCacheBytes: number }> {
  // Our engine, greedy or sample, with the KV cache: cellIssues refused the rest.
  const startedAt = performance.now() - windowStart;
  const generations = await generateContinuous(
    model.session,
    model.tokenizer,
    pending.map((r) => prompts[r.promptIndex] as string),
    {
      maxNewTokens: spec.maxNewTokens,
      newChooser: chooserFactory(spec.decoding),
      eosTokenIds: model.session.config.eosTokenIds,
      maxBatch: spec.batchSize,
      ...(model.isCancelled ? { isCancelled: model.isCancelled } : {}),
    },
  );
  const requests = pending.map((item, i) => {
    const g = generations[i] as (typeof generations)[number];
    return {
      ...item,
      promptTokens: g.promptTokens,
      tokenizeMs: g.tokenizeMs,
      events: g.events,
      outputTokenIds: g.outputTokenIds,
      text: model.tokenizer.decode(g.outputTokenIds),
      startedAt,
      stopReason: g.stopReason,
      queueMs: 0,
    };
  });
  return { requests, kvCacheBytes: Math.max(0, ...generations.map((g) => g.kvCacheBytes)) };
}
