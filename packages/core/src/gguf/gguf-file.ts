import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FILE } from '../forge/build-gpt2-folder.ts';
import { buildOnce, type DerivedEntry, publishDerivedFile, readDerivedEntry } from '../forge/derived-file.ts';
import { readForgeManifest } from '../forge/forge-model.ts';
import { ggufContent } from './gguf-content.ts';
import { type GgmlType, GgufError, type GgufFileType } from './gguf-format.ts';
import { writeGgufFile } from './gguf-write.ts';

// The GGUF files of a model folder, built on first use from onnx/model.onnx and cached beside it
// like the weight variants (forge/derived-file.ts: atomic file + manifest entry with sha256, both
// naming the source file's sha256). Forge folders have that sha256 in their manifest; for other
// folders (imported, trained, hub) it is computed once per process per (size, mtime).

/** Bumped when the bytes written for the same source file change; old entries rebuild. */
export const GGUF_BUILD_VERSION = 1;

export const GGUF_FILES: Record<GgufFileType, string> = {
  F32: 'gguf/model-f32.gguf',
  F16: 'gguf/model-f16.gguf',
  Q8_0: 'gguf/model-q8_0.gguf',
  Q4_0: 'gguf/model-q4_0.gguf',
  Q4_K_M: 'gguf/model-q4_k_m.gguf',
};

export type GgufManifest = DerivedEntry & {
  /** The file's type: one tensor type, or a mix (Q4_K_M); tensorTypes says what each tensor got. */
  ggmlType: GgufFileType;
  architecture: string;
  /** How many tensors have each ggml type (Q8_0/Q4_0 files keep norms in F32, odd-width rows in F16). */
  tensorTypes: Partial<Record<GgmlType, number>>;
  builtAt: string;
  buildMs: number;
};

const entryPath = (folder: string, type: GgufFileType) => join(folder, 'variants', `gguf-${type.toLowerCase()}.json`);

const hashed = new Map<string, { key: string; sha256: string }>();

/** sha256 of the folder's onnx/model.onnx: the forge manifest's, else hashed (memoized on size and mtime). */
export function sourceSha256(folder: string): string {
  const forge = readForgeManifest(folder)?.files[MODEL_FILE]?.sha256;
  if (forge !== undefined) return forge;
  const path = join(folder, MODEL_FILE);
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}`;
  const memo = hashed.get(path);
  if (memo?.key === key) return memo.sha256;
  const hash = createHash('sha256');
  const buf = Buffer.alloc(1 << 22);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  hashed.set(path, { key, sha256 });
  return sha256;
}

/** The manifest entry of a built, current GGUF file of `type`; null when absent or stale. */
export function readGgufManifest(folder: string, type: GgufFileType): GgufManifest | null {
  const m = readDerivedEntry<GgufManifest>(folder, entryPath(folder, type), GGUF_BUILD_VERSION, sourceSha256(folder));
  return m !== null && m.file === GGUF_FILES[type] && m.ggmlType === type ? m : null;
}

/** Path of the folder's GGUF file of `type`, writing it first when absent or stale. */
export function ensureGgufFile(folder: string, type: GgufFileType): Promise<string> {
  const file = join(folder, GGUF_FILES[type]);
  return buildOnce(file, () => (readGgufManifest(folder, type) === null ? build(folder, type) : file));
}

function build(folder: string, type: GgufFileType): string {
  const started = performance.now();
  const source = sourceSha256(folder);
  const rel = GGUF_FILES[type];
  try {
    const content = ggufContent(folder, type);
    const tensorTypes: Partial<Record<GgmlType, number>> = {};
    for (const t of content.tensors) tensorTypes[t.type] = (tensorTypes[t.type] ?? 0) + 1;
    publishDerivedFile<GgufManifest>(
      folder,
      rel,
      entryPath(folder, type),
      (path) => writeGgufFile(path, content),
      (written) => ({
        buildVersion: GGUF_BUILD_VERSION,
        file: rel,
        ...written,
        source: { file: MODEL_FILE, sha256: source },
        ggmlType: type,
        architecture: content.architecture,
        tensorTypes,
        builtAt: new Date().toISOString(),
        buildMs: performance.now() - started,
      }),
    );
    return join(folder, rel);
  } catch (cause) {
    if (cause instanceof GgufError) throw cause;
    throw new GgufError(`writing the ${type} GGUF of ${folder} failed`, { cause });
  }
}
