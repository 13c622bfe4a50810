import type { DecoderConfig } from '../runtime/decoder-config.ts';
import type { SessionOptions } from '../runtime/decoder-session.ts';
import type { ExitHeadSet } from './exit-head.ts';
import { ExitMaps } from './exit-maps.ts';
import { Gpt2Segments } from './gpt2-segments.ts';

/** A GPT-2 model as layer segments plus exit heads at (some of) the segment boundaries. */
export type SegmentedModel = { segments: Gpt2Segments; maps: ExitMaps; release(): Promise<void> };

/**
 * Segments cut at the heads' layers, with kv-fill graphs from each (early exit needs them; self-
 * speculative decoding never leaves layers unfilled, but the graphs are small and built once).
 */
export async function loadSegmentedModel(
  modelDir: string,
  config: DecoderConfig,
  options: SessionOptions,
  heads: ExitHeadSet,
): Promise<SegmentedModel> {
  const layers = heads.heads.map((h) => h.layer);
  const segments = await Gpt2Segments.load(modelDir, config, options, { boundaries: layers, kvFill: layers });
  const maps = await ExitMaps.load(heads, options);
  return {
    segments,
    maps,
    release: async () => {
      await Promise.all([segments.release(), maps.release()]);
    },
  };
}
