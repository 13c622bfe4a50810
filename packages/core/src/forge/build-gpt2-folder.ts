import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelFile } from '../onnx/index.ts';
import { type Int8RewriteReport, type Q4RewriteReport, rewriteDynamicInt8, rewriteMatMulNBits } from '../quantization/index.ts';
import type { Gpt2Spec } from './forge-models.ts';
import { gpt2Config, gpt2GenerationConfig } from './gpt2-config-files.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { gpt2SpecialTokensMap, gpt2TokenizerConfig, gpt2TokenizerJson } from './gpt2-tokenizer-files.ts';
import { gpt2ParamCount, gpt2Weights } from './gpt2-weights.ts';

// Writes a complete transformers.js-layout folder for one GPT-2 spec (no caching here).

export const MODEL_FILE = 'onnx/model.onnx';
export const MODEL_INT8_FILE = 'onnx/model_int8.onnx';
export const MODEL_UINT8_FILE = 'onnx/model_uint8.onnx';
export const MODEL_Q4_FILE = 'onnx/model_q4.onnx';

export type ForgeManifest = {
  forge: string;
  /** Bumped whenever the bytes forge writes for a name change; stale caches are rebuilt. */
  formatVersion: number;
  paramCount: number;
  /** Relative path → size and sha256 of every file written. */
  files: Record<string, { bytes: number; sha256: string }>;
  int8: Int8RewriteReport;
  uint8: Int8RewriteReport;
  q4: Q4RewriteReport;
};

export const FORGE_FORMAT_VERSION = 2; // 2: model_uint8.onnx and model_q4.onnx

export function buildGpt2Folder(name: string, spec: Gpt2Spec, dir: string): ForgeManifest {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const files: ForgeManifest['files'] = {};
  const text = (rel: string, content: string) => {
    const bytes = Buffer.from(content, 'utf8');
    writeFileSync(join(dir, rel), bytes);
    files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const json = (rel: string, value: unknown) => text(rel, `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', gpt2Config(name, spec));
  json('generation_config.json', gpt2GenerationConfig());
  json('tokenizer_config.json', gpt2TokenizerConfig(spec.nPositions));
  json('special_tokens_map.json', gpt2SpecialTokensMap());
  text('tokenizer.json', gpt2TokenizerJson());

  const model = buildGpt2Model(spec, gpt2Weights(spec));
  files[MODEL_FILE] = writeModelFile(join(dir, MODEL_FILE), model);
  const { model: int8, report } = rewriteDynamicInt8(model);
  files[MODEL_INT8_FILE] = writeModelFile(join(dir, MODEL_INT8_FILE), int8);
  const { model: uint8, report: uint8Report } = rewriteDynamicInt8(model, { unsigned: true });
  files[MODEL_UINT8_FILE] = writeModelFile(join(dir, MODEL_UINT8_FILE), uint8);
  const { model: q4, report: q4Report } = rewriteMatMulNBits(model, { blockSize: 32 });
  files[MODEL_Q4_FILE] = writeModelFile(join(dir, MODEL_Q4_FILE), q4);
  const paramCount = gpt2ParamCount(spec);
  return { forge: name, formatVersion: FORGE_FORMAT_VERSION, paramCount, files, int8: report, uint8: uint8Report, q4: q4Report };
}
