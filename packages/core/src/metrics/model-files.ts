import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';

const hashes = new Map<string, string>();

/** sha256 of a model file, cached by path + size + mtime (hashing 500 MB takes a second or two). */
export async function fileSha256(file: string): Promise<string> {
  const st = statSync(file);
  const key = `${file}:${st.size}:${st.mtimeMs}`;
  const known = hashes.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  hashes.set(key, hex);
  return hex;
}

export function fileBytes(file: string): number {
  return statSync(file).size;
}
