import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RetryableError } from '@inferlab/experiments';
import { buildGpt2Folder, FORGE_FORMAT_VERSION, type ForgeManifest } from './build-gpt2-folder.ts';
import { type ForgeSpec, forgeSpec } from './forge-models.ts';
import { buildLlamaFolder } from './llama/build-llama-folder.ts';

// Build-on-demand cache of forge models at <cacheDir>/forge/<name>/. A folder is built under a
// unique temp name and published with one rename(2), which is atomic: readers see either no
// folder or a complete one. The manifest is written last inside the temp folder, so a published
// folder without a valid manifest can only be a stale format (or hand-edited) and is replaced.
// Two processes racing both build (deterministically, byte-identical) and the first rename wins.

export const FORGE_MANIFEST_FILE = 'forge-manifest.json';

export type ForgeOptions = {
  /** Root of the model cache (e.g. data/models); forge writes under <cacheDir>/forge/. */
  cacheDir: string;
};

export class ForgeBuildError extends RetryableError {
  override readonly name = 'ForgeBuildError';
}

const inFlight = new Map<string, Promise<string>>();

export function forgeModelDir(name: string, opts: ForgeOptions): string {
  return join(opts.cacheDir, 'forge', name);
}

/** The manifest of a published, current-format forge folder; null when absent or stale. */
export function readForgeManifest(dir: string): ForgeManifest | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, FORGE_MANIFEST_FILE), 'utf8')) as ForgeManifest;
    return m.formatVersion === FORGE_FORMAT_VERSION ? m : null;
  } catch {
    return null;
  }
}

/** Returns the folder of forge model `name`, building it first if it is not cached. */
export function forgeModel(name: string, opts: ForgeOptions): Promise<string> {
  let spec: ForgeSpec;
  try {
    spec = forgeSpec(name); // UnknownForgeModelError, before any I/O
  } catch (err) {
    return Promise.reject(err);
  }
  const dir = forgeModelDir(name, opts);
  const pending = inFlight.get(dir);
  if (pending !== undefined) return pending;
  const job = (async () => {
    if (readForgeManifest(dir) !== null) return dir;
    const parent = join(opts.cacheDir, 'forge');
    mkdirSync(parent, { recursive: true });
    const tmp = join(parent, `.tmp-${name}-${process.pid}-${randomUUID().slice(0, 8)}`);
    try {
      const manifest = spec.family === 'llama' ? buildLlamaFolder(name, spec, tmp) : buildGpt2Folder(name, spec, tmp);
      writeFileSync(join(tmp, FORGE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
      publish(tmp, dir);
      return dir;
    } catch (cause) {
      throw new ForgeBuildError(`building forge model '${name}' in ${parent} failed`, { cause });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })().finally(() => inFlight.delete(dir));
  inFlight.set(dir, job);
  return job;
}

/** Renames a complete temp folder into place, unless another process already published one. */
function publish(tmp: string, dir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      renameSync(tmp, dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw err;
    }
    if (readForgeManifest(dir) !== null) return; // a concurrent builder won; identical bytes
    // A stale or broken folder is in the way: move it aside (atomically), then retry.
    const stale = `${dir}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      renameSync(dir, stale);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (existsSync(stale)) rmSync(stale, { recursive: true, force: true });
  }
  throw new ForgeBuildError(`could not publish ${dir}`);
}
