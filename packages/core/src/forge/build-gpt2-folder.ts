import type { Gpt2Spec } from './forge-models.ts';
import { gpt2Config, gpt2GenerationConfig } from './gpt2-config-files.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { gpt2ParamCount, gpt2Weights } from './gpt2-weights.ts';
import { type ForgeManifest, writeForgeFolder } from './write-forge-folder.ts';

export {
  FORGE_FORMAT_VERSION,
  type ForgeManifest,
  MODEL_FILE,
  MODEL_INT8_FILE,
  MODEL_Q4_FILE,
  MODEL_UINT8_FILE,
} from './write-forge-folder.ts';

/** A complete transformers.js-layout folder for one GPT-2 spec (no caching here). */
export function buildGpt2Folder(name: string, spec: Gpt2Spec, dir: string): ForgeManifest {
  return writeForgeFolder(name, dir, {
    config: gpt2Config(name, spec),
    generationConfig: gpt2GenerationConfig(),
    maxPositions: spec.nPositions,
    model: buildGpt2Model(spec, gpt2Weights(spec)),
    paramCount: gpt2ParamCount(spec),
  });
}
