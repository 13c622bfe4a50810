import { PermanentError, parseModelId as parseModelIdSyntax } from '@inferlab/experiments';

/** A parsed model id: `forge:<name>`, `hf:<org>/<name>[@<revision>]`, `dir:<path>` or `trained:<name>@<version>`. */
export type ModelId =
  | { kind: 'forge'; name: string }
  /** revision null: the repo's default branch. */
  | { kind: 'hf'; repo: string; revision: string | null }
  | { kind: 'dir'; path: string }
  /** The folder <modelsDir>/trained/<name>/<version>/ a training job published (resolve-trained.ts). */
  | { kind: 'trained'; name: string; version: string };

export class InvalidModelIdError extends PermanentError {
  override name = 'InvalidModelIdError';
}

const HINTS: Record<string, string> = {
  forge: 'a forge name is lowercase letters, digits and dashes (e.g. forge:gpt2-tiny)',
  hf: 'expected hf:<org>/<name>[@<revision>] (e.g. hf:Xenova/gpt2, hf:Xenova/gpt2@main)',
  dir: 'expected dir:<path to an HF-layout folder>',
  trained:
    'expected trained:<name>@<version> as a training job reports it (e.g. trained:kjv-gpt2@20260101T120000Z-1a2b3c4d): a name of lowercase letters, digits and dashes, a version of letters, digits, _ and -',
};

/** The syntax is experiments' (the api validates matrices with the same function); this adds the resolver's view and hints. */
export function parseModelId(id: string): ModelId {
  const parsed = parseModelIdSyntax(id);
  if (parsed?.kind === 'hf') return { kind: 'hf', repo: `${parsed.org}/${parsed.name}`, revision: parsed.revision };
  if (parsed !== null) return parsed;
  const scheme = id.includes(':') ? id.slice(0, id.indexOf(':')) : '';
  throw new InvalidModelIdError(
    `"${id}": ${HINTS[scheme] ?? 'a model id starts with forge:, hf:, dir: or trained: (e.g. forge:gpt2-tiny, hf:Xenova/gpt2, dir:/models/my-gpt2, trained:kjv-gpt2@20260101T120000Z-1a2b3c4d)'}`,
  );
}
