import type { DecoderSession, Generation, TextTokenizer } from '@inferlab/core';
import type { Scenario } from '@inferlab/experiments';
import { measureOffline, type OfflineSpec } from './offline-scenario.ts';
import { measureServer, type ServedRecord } from './server-scenario.ts';

/**
 * The measured requests of the server and offline scenarios; null for single-stream, which
 * run-cell's own loop measures (requests one after another, or in static batches).
 */
export async function measureScenario(
  spec: OfflineSpec & { scenario?: Scenario | undefined; prompts: string[] },
  pending: readonly { repetition: number; promptIndex: number }[],
  model: {
    session: DecoderSession;
    tokenizer: TextTokenizer;
    runGroup: (prompts: readonly string[]) => Promise<Generation[]>;
    isCancelled?: () => boolean;
  },
  windowStart: number,
  onDone: (done: number) => void,
): Promise<{ requests: ServedRecord[]; kvCacheBytes: number } | null> {
  const scenario = spec.scenario ?? { kind: 'single-stream' };
  switch (scenario.kind) {
    case 'single-stream':
      return null;
    case 'offline':
      return measureOffline(pending, spec, model, spec.prompts, windowStart);
    case 'server': {
      // Batch size 1 (cellIssues): each request runs alone, maxConcurrency of them interleaved.
      const runOne = async (prompt: string) => (await model.runGroup([prompt]))[0] as Generation;
      const decode = (ids: readonly number[]) => model.tokenizer.decode(ids);
      return measureServer(pending, scenario, runOne, spec.prompts, decode, windowStart, onDone);
    }
  }
}
