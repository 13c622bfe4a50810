import { type ExitStats, PermanentError } from '@inferlab/experiments';
import { type ExitCriterion, exitStatistic, isConfident } from '../early-exit/confidence.ts';
import { hiddenRow, type LayerTensors } from '../early-exit/gpt2-segments.ts';
import type { SegmentedModel } from '../early-exit/segmented-model.ts';
import { KvCache } from '../kv-cache/kv-cache.ts';
import { kvTensorBytes } from '../kv-cache/kv-tensor-ops.ts';
import { argmax } from './greedy.ts';
import type { DecodeRun, DecodingStrategy } from './strategy.ts';

export type EarlyExitOptions = { exitLayers: readonly number[]; criterion: ExitCriterion; threshold: number };

export class EarlyExitConfigError extends PermanentError {
  override readonly name = 'EarlyExitConfigError';
}

/** Empty per-layer KV (1, H, 0, hd) for a segmented model. */
export function emptyLayerKv(model: SegmentedModel): LayerTensors {
  const c = KvCache.empty(model.segments.config, 1);
  return { keys: [...c.keys], values: [...c.values] };
}

export function layerKvBytes(kv: LayerTensors): number {
  let n = 0;
  for (const t of [...kv.keys, ...kv.values]) n += kvTensorBytes(t);
  return n;
}

/**
 * Early exit (CALM-style), greedy: per token, blocks run segment by segment; after each exit
 * layer its head scores the last row, and the first confident head emits its argmax. The layers
 * skipped get K/V projected from the exited state (kv-fill), so later tokens attend to a full,
 * never stale cache. The prompt always runs at full depth (its KV is what every later token
 * reads); its last row's token still obeys the exit rule.
 */
export function earlyExitStrategy(model: SegmentedModel, opts: EarlyExitOptions): DecodingStrategy {
  const { segments, maps } = model;
  const n = segments.config.layers;
  const vocab = segments.config.vocabSize;
  const exits = new Set(opts.exitLayers);
  opts.exitLayers.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 1 || l > n - 1 || (i > 0 && l <= (opts.exitLayers[i - 1] as number))) {
      throw new EarlyExitConfigError(
        `decoding.exitLayers [${opts.exitLayers}]: must ascend, each an integer in 1..${n - 1} (a block after which a head may exit)`,
      );
    }
  });
  for (const l of opts.exitLayers) {
    if (!segments.cuts.includes(l))
      throw new EarlyExitConfigError(`exit layer ${l} is not a segment boundary (${segments.cuts.join(', ')})`);
    if (!maps.layers.includes(l)) throw new EarlyExitConfigError(`exit heads ${maps.set.version} have no head at layer ${l}`);
  }
  const layers = [...[...exits].sort((a, b) => a - b), n];
  return {
    name: 'early-exit',
    maxPositions: segments.config.maxPositions,
    async start(promptIds): Promise<DecodeRun> {
      const tokens = [...promptIds];
      let fed = 0;
      const kv = emptyLayerKv(model);
      const counts = layers.map(() => 0);
      let full = 0;
      return {
        async step() {
          const unfed = tokens.slice(fed);
          const rows = unfed.length;
          let h = await segments.embed(unfed, fed); // (1, rows, D)
          let token = -1;
          let exitAt = n;
          for (let c = 1; c < segments.cuts.length; c++) {
            const to = segments.cuts[c] as number;
            h = await segments.blocks(segments.cuts[c - 1] as number, to, h, kv);
            if (to === n || token >= 0 || !exits.has(to)) continue;
            const logits = await segments.head(await maps.apply(to, hiddenRow(h, rows - 1))); // (1, 1, V)
            if (!isConfident(opts.criterion, exitStatistic(opts.criterion, logits, 0, vocab), opts.threshold)) continue;
            token = argmax(logits, 0, vocab);
            exitAt = to;
            if (rows === 1) {
              await segments.fillKv(to, h, kv); // layers to..n-1 get K/V of the exited state
              break;
            }
          }
          if (token < 0) {
            token = argmax(await segments.head(hiddenRow(h, rows - 1)), 0, vocab);
            full++;
          }
          const at = layers.indexOf(exitAt);
          counts[at] = (counts[at] as number) + 1;
          fed = tokens.length;
          tokens.push(token);
          return { tokens: [token], done: false };
        },
        get kvCacheBytes() {
          return layerKvBytes(kv);
        },
        stats: () => ({ targetForwards: full, draftTokens: 0, acceptedTokens: 0, exits: exitStats(layers, counts) }),
        score: () => null,
      };
    },
  };
}

export function exitStats(layers: readonly number[], counts: readonly number[]): ExitStats {
  const total = counts.reduce((a, b) => a + b, 0);
  const used = counts.reduce((a, c, i) => a + c * (layers[i] as number), 0);
  return { layers: [...layers], counts: [...counts], meanLayers: total === 0 ? 0 : used / total };
}
