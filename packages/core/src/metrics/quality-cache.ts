import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Quality numbers cached next to the model: <folder>/quality/<variant>.json holding { key, value }.
// The key names everything the numbers depend on (file hashes, eval text version), so a rebuilt
// file or a new eval text recomputes. A folder we cannot write (a read-only dir: model) just
// means no cache.

export function qualityCachePath(folder: string, variant: string): string {
  return join(folder, 'quality', `${variant}.json`);
}

export function readQualityCache<T>(path: string, key: string): T | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { key?: unknown; value?: T };
    return raw.key === key && raw.value !== undefined ? raw.value : null;
  } catch {
    return null; // absent or unreadable: recompute
  }
}

export function writeQualityCache(path: string, key: string, value: unknown): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`; // whole file or nothing, for concurrent workers
    writeFileSync(tmp, `${JSON.stringify({ key, value }, null, 2)}\n`);
    renameSync(tmp, path);
  } catch {
    // read-only model folder: the numbers are still returned, only not cached
  }
}
