import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ModelProto, writeModelFile } from '../onnx/index.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { readForgeManifest } from './forge-model.ts';

// Files forge derives from a folder's onnx/model.onnx on first use (weight variants, int8-KV
// graphs), cached in the folder. Atomic like forge-model.ts: the ONNX file is written under a unique
// temp name and renamed into place, then its manifest entry likewise. The entry is what makes a
// file valid: it names the fp32 file's sha256 it was built from and its own size, so a crash
// between the two renames, or a rebuilt fp32 file, means "build again". Two processes racing both
// build (deterministic, byte-identical) and the last rename wins with equal bytes.

/** What every manifest entry of a derived file holds (kinds add their own fields). */
export type DerivedEntry = {
  buildVersion: number;
  /** Relative to the folder. */
  file: string;
  bytes: number;
  sha256: string;
  /** The fp32 file it was built from (its sha256 from the forge manifest). */
  source: { file: string; sha256: string };
};

const inFlight = new Map<string, Promise<string>>();

/** Runs `build` once per `file` at a time in this process; concurrent callers share its result. */
export function buildOnce(file: string, build: () => string): Promise<string> {
  const pending = inFlight.get(file);
  if (pending !== undefined) return pending;
  const job = Promise.resolve()
    .then(build)
    .finally(() => inFlight.delete(file));
  inFlight.set(file, job);
  return job;
}

/**
 * The entry at `entryPath` when it is current (build version, source sha256, file size), else null.
 * The source sha256 is the forge manifest's unless the caller knows it (folders forge did not write).
 */
export function readDerivedEntry<T extends DerivedEntry>(
  folder: string,
  entryPath: string,
  buildVersion: number,
  sourceSha256: string | undefined = readForgeManifest(folder)?.files[MODEL_FILE]?.sha256,
): T | null {
  try {
    const entry = JSON.parse(readFileSync(entryPath, 'utf8')) as T;
    const source = sourceSha256;
    const current =
      entry.buildVersion === buildVersion && entry.source.sha256 === source && statSync(join(folder, entry.file)).size === entry.bytes;
    return current ? entry : null;
  } catch {
    return null;
  }
}

/** Writes `model` to <folder>/<rel> and then its entry to `entryPath`, each atomically. */
export function publishDerived<T extends DerivedEntry>(
  folder: string,
  rel: string,
  entryPath: string,
  model: ModelProto,
  entryOf: (written: { bytes: number; sha256: string }) => T,
): T {
  return publishDerivedFile(folder, rel, entryPath, (path) => writeModelFile(path, model), entryOf);
}

/** Like publishDerived for any file format: `write` writes the file at the temp path it is given. */
export function publishDerivedFile<T extends DerivedEntry>(
  folder: string,
  rel: string,
  entryPath: string,
  write: (path: string) => { bytes: number; sha256: string },
  entryOf: (written: { bytes: number; sha256: string }) => T,
): T {
  const file = join(folder, rel);
  const suffix = `.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const written = write(`${file}${suffix}`);
    renameSync(`${file}${suffix}`, file);
    const entry = entryOf(written);
    mkdirSync(dirname(entryPath), { recursive: true });
    writeFileSync(`${entryPath}${suffix}`, `${JSON.stringify(entry, null, 2)}\n`);
    renameSync(`${entryPath}${suffix}`, entryPath);
    return entry;
  } finally {
    rmSync(`${file}${suffix}`, { force: true });
    rmSync(`${entryPath}${suffix}`, { force: true });
  }
}
