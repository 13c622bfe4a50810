import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RetryableError } from '@inferlab/experiments';
import type { Gpt2Spec } from '../forge/forge-models.ts';
import type { Gpt2Weights } from '../forge/gpt2-weights.ts';
import { specFromConfig } from '../forge/import/read-gpt2-checkpoint.ts';
import { readFloatWeights } from '../forge/read-float-weights.ts';
import { type ModelProto, writeModelFile } from '../onnx/index.ts';
import { buildBlocksSegment, buildEmbeddingSegment, buildHeadSegment, buildKvFillSegment } from './segment-graphs.ts';

// Segment files are built on demand beside the model: <modelDir>/segments/<key>/<name>.onnx, each
// written under a temp name and renamed into place (atomic: readers see a whole file or none). The
// key carries a format version and the fp32 model file's size and mtime, so a replaced model gets
// fresh segments. Weights come from onnx/model.onnx itself: forge and imported GPT-2 folders alike.

export const SEGMENTS_FORMAT_VERSION = 1;
const MODEL_FILE = join('onnx', 'model.onnx');

export type SegmentFile =
  | { kind: 'embed' }
  | { kind: 'blocks'; from: number; to: number }
  | { kind: 'head' }
  | { kind: 'kv-fill'; from: number };

export class SegmentBuildError extends RetryableError {
  override readonly name = 'SegmentBuildError';
}

export function segmentFileName(s: SegmentFile): string {
  switch (s.kind) {
    case 'embed':
    case 'head':
      return `${s.kind}.onnx`;
    case 'blocks':
      return `blocks-${s.from}-${s.to}.onnx`;
    case 'kv-fill':
      return `kv-fill-${s.from}.onnx`;
  }
}

export function segmentsDir(modelDir: string): string {
  const st = statSync(join(modelDir, MODEL_FILE));
  return join(modelDir, 'segments', `v${SEGMENTS_FORMAT_VERSION}-${st.size}-${Math.floor(st.mtimeMs)}`);
}

/** The GPT-2 spec and fp32 weights of a model folder, read from config.json and onnx/model.onnx. */
export function readGpt2Folder(modelDir: string): { spec: Gpt2Spec; weights: Gpt2Weights } {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  if (config.model_type !== 'gpt2') {
    throw new SegmentBuildError(`${modelDir}: layer segments are built for gpt2 models only (model_type ${String(config.model_type)})`);
  }
  const spec = specFromConfig(config);
  return { spec, weights: readFloatWeights(join(modelDir, MODEL_FILE)) };
}

function build(s: SegmentFile, spec: Gpt2Spec, weights: Gpt2Weights): ModelProto {
  switch (s.kind) {
    case 'embed':
      return buildEmbeddingSegment(spec, weights);
    case 'head':
      return buildHeadSegment(spec, weights);
    case 'blocks':
      return buildBlocksSegment(spec, weights, s.from, s.to);
    case 'kv-fill':
      return buildKvFillSegment(spec, weights, s.from);
  }
}

/** Paths of `files` (same order), building the missing ones from one read of the model's weights. */
export function ensureSegmentFiles(modelDir: string, files: readonly SegmentFile[]): string[] {
  const dir = segmentsDir(modelDir);
  const paths = files.map((s) => join(dir, segmentFileName(s)));
  const missing = files.filter((_, i) => !existsSync(paths[i] as string));
  if (missing.length === 0) return paths;
  mkdirSync(dir, { recursive: true });
  let folder: { spec: Gpt2Spec; weights: Gpt2Weights };
  try {
    folder = readGpt2Folder(modelDir);
  } catch (cause) {
    throw new SegmentBuildError(`cannot read the GPT-2 weights of ${modelDir} to build layer segments`, { cause });
  }
  for (const s of missing) {
    const path = join(dir, segmentFileName(s));
    const tmp = join(dir, `.tmp-${process.pid}-${randomUUID().slice(0, 8)}-${segmentFileName(s)}`);
    try {
      writeModelFile(tmp, build(s, folder.spec, folder.weights));
      renameSync(tmp, path); // a concurrent builder's identical file may be replaced: same bytes
    } catch (cause) {
      throw new SegmentBuildError(`building segment ${segmentFileName(s)} in ${dir} failed`, { cause });
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  return paths;
}
