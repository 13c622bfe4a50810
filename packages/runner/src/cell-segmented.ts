import {
  type DecoderSession,
  DecodingConfigError,
  type ExitHeadSet,
  loadExitHeads,
  loadSegmentedModel,
  type ModelPool,
  type ResolvedModel,
  type SegmentedModel,
} from '@inferlab/core';
import type { Decoding } from '@inferlab/experiments';

/**
 * early-exit and self-speculative cells: the target's layer segments (built beside the model on
 * first use) and the config's exit heads, cached in the pool. undefined for other strategies.
 */
export async function prepareCellSegmented(
  spec: { decoding: Decoding },
  target: { model?: ResolvedModel | undefined; session: DecoderSession },
  pool: ModelPool,
): Promise<SegmentedModel | undefined> {
  const decoding: Decoding = spec.decoding;
  if (decoding.strategy !== 'early-exit' && decoding.strategy !== 'self-speculative') return undefined;
  const { model, session } = target;
  if (model === undefined) throw new DecodingConfigError(`${decoding.strategy} needs the resolved model folder to build layer segments`);
  // Segments are fp32 graphs cut from onnx/model.onnx, so cells run the fp32 variant (cellIssues). What
  // the config cannot say is checked here, on the loaded model: its family and depth.
  if (session.config.modelType !== 'gpt2') {
    throw new DecodingConfigError(`${decoding.strategy} runs on gpt2 models (layer segments), not ${session.config.modelType}`);
  }
  const layers = decoding.strategy === 'early-exit' ? decoding.exitLayers : [decoding.exitLayer];
  const n = session.config.layers;
  const field = decoding.strategy === 'early-exit' ? 'decoding.exitLayers' : 'decoding.exitLayer';
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 1 || l > n - 1) {
      throw new DecodingConfigError(`${field} ${l}: ${spec.decoding.strategy} on a ${n}-block model exits after a block in 1..${n - 1}`);
    }
  }
  let heads: ExitHeadSet;
  try {
    heads = await loadExitHeads(model.folder, decoding.heads, layers);
  } catch (cause) {
    // A missing or mismatched version cannot be fixed by a retry: the cell fails with the store's reason.
    throw new DecodingConfigError(`decoding.heads '${decoding.heads}': ${(cause as Error).message}`, { cause });
  }
  const { threads, executionProvider } = session.options;
  const key = `${model.folder}|${threads}|${executionProvider}|${heads.version}|${heads.heads.map((h) => h.layer).join(',')}`;
  return pool.derivedModel(key, () => loadSegmentedModel(model.folder, session.config, session.options, heads));
}
