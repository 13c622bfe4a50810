import { type ForgeManifest, writeForgeFolder } from '../write-forge-folder.ts';
import { llamaConfig, llamaGenerationConfig } from './llama-config-files.ts';
import { buildLlamaModel } from './llama-graph.ts';
import type { LlamaSpec } from './llama-spec.ts';
import { llamaParamCount, llamaWeights } from './llama-weights.ts';

// A complete transformers.js-layout folder for one Llama spec (no caching here): the same
// files and eager variants as a GPT-2 forge folder (the others are built on first use by
// forge-variant.ts from onnx/model.onnx). The manifest keeps each rewriter's report of what it
// quantized (llama-tiny's down_proj has input width 172, not a multiple of the q4 block).

export function buildLlamaFolder(name: string, spec: LlamaSpec, dir: string): ForgeManifest {
  return writeForgeFolder(name, dir, {
    config: llamaConfig(name, spec),
    generationConfig: llamaGenerationConfig(),
    maxPositions: spec.maxPositions,
    model: buildLlamaModel(spec, llamaWeights(spec)),
    paramCount: llamaParamCount(spec),
  });
}
