import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelProto, writeModelFile } from '../onnx/index.ts';
import type { Int8RewriteReport, Q4RewriteReport } from '../quantization/index.ts';
import { VARIANT_SPECS } from '../quantization/variant-files.ts';
import { gpt2SpecialTokensMap, gpt2TokenizerConfig, gpt2TokenizerJson } from './gpt2-tokenizer-files.ts';

// Writes a complete transformers.js-layout folder (no caching here): config files, GPT-2's
// tokenizer (every forge family uses it: real tokenization, random weights), the fp32 graph and the
// eager variants (see VARIANT_SPECS[…].eager; the others are built on first use by forge-variant.ts).

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

export const FORGE_FORMAT_VERSION = 3; // 2: model_uint8.onnx and model_q4.onnx; 3: model_q4.onnx at accuracy level 4

export type ForgeFolderContent = {
  config: unknown;
  generationConfig: unknown;
  maxPositions: number;
  model: ModelProto;
  paramCount: number;
};

export function writeForgeFolder(name: string, dir: string, content: ForgeFolderContent): ForgeManifest {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const files: ForgeManifest['files'] = {};
  const text = (rel: string, body: string) => {
    const bytes = Buffer.from(body, 'utf8');
    writeFileSync(join(dir, rel), bytes);
    files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const json = (rel: string, value: unknown) => text(rel, `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', content.config);
  json('generation_config.json', content.generationConfig);
  json('tokenizer_config.json', gpt2TokenizerConfig(content.maxPositions));
  json('special_tokens_map.json', gpt2SpecialTokensMap());
  text('tokenizer.json', gpt2TokenizerJson());

  files[MODEL_FILE] = writeModelFile(join(dir, MODEL_FILE), content.model);
  const eager = (variant: 'int8' | 'uint8' | 'q4') => {
    const spec = VARIANT_SPECS[variant];
    const { model: rewritten, report } = spec.build(content.model);
    files[spec.file] = writeModelFile(join(dir, spec.file), rewritten);
    return report;
  };
  const int8 = eager('int8') as Int8RewriteReport;
  const uint8 = eager('uint8') as Int8RewriteReport;
  const q4 = eager('q4') as Q4RewriteReport;
  return { forge: name, formatVersion: FORGE_FORMAT_VERSION, paramCount: content.paramCount, files, int8, uint8, q4 };
}
