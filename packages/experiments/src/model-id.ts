/**
 * A parsed model id: `forge:<name>`, `hf:<org>/<name>[@<revision>]`, `dir:<path>` or
 * `trained:<name>@<version>` (a folder a training job published under the workers' shared models dir).
 */
export type ModelId =
  | { kind: 'forge'; name: string }
  /** revision: a branch, tag or commit the download is pinned to; null: the repo's default branch. */
  | { kind: 'hf'; org: string; name: string; revision: string | null }
  | { kind: 'dir'; path: string }
  | { kind: 'trained'; name: string; version: string };

export const MODEL_ID_SYNTAX = 'forge:<name>, hf:<org>/<name>[@<revision>], dir:<path> or trained:<name>@<version>';

// The one syntax check: the api validates matrices with it and core's resolver parses with it, so the
// api never accepts an id a worker would reject.
const FORGE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const HF_REPO = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:@([\w.-]+(?:\/[\w.-]+)*))?$/;
/** A trained model's name (train requests' `name`): one path segment under <modelsDir>/trained/. */
export const TRAINED_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
// A version is one path segment too: no dots or slashes, so no id names `..`, `.checkpoints` or a `.tmp-*` staging folder.
const TRAINED_VERSION = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The id a training job reports for the folder it published as trained/<name>/<version>/. */
export const trainedModelId = (name: string, version: string): string => `trained:${name}@${version}`;

/** Parses a model id; returns null when the syntax is wrong (the caller words the error). */
export function parseModelId(id: string): ModelId | null {
  const colon = id.indexOf(':');
  if (colon < 0) return null;
  const scheme = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  switch (scheme) {
    case 'forge':
      return FORGE_NAME.test(rest) ? { kind: 'forge', name: rest } : null;
    case 'hf': {
      const match = HF_REPO.exec(rest);
      if (match === null || rest.includes('..')) return null;
      return { kind: 'hf', org: match[1] ?? '', name: match[2] ?? '', revision: match[3] ?? null };
    }
    case 'dir':
      return rest.length > 0 ? { kind: 'dir', path: rest } : null;
    case 'trained': {
      const at = rest.indexOf('@');
      const name = rest.slice(0, at);
      const version = rest.slice(at + 1);
      return at > 0 && TRAINED_NAME.test(name) && TRAINED_VERSION.test(version) ? { kind: 'trained', name, version } : null;
    }
    default:
      return null;
  }
}

/**
 * Whether the id can name an inferlab-built GPT-2 graph, which layer segments and exit heads need:
 * a forge gpt2-* model, or a dir: or trained: folder (imported from a GPT-2 checkpoint, or trained
 * here; the worker checks its family).
 */
export function mayBeInferlabGpt2(id: string): boolean {
  const parsed = parseModelId(id);
  if (parsed === null) return false;
  return parsed.kind === 'dir' || parsed.kind === 'trained' || (parsed.kind === 'forge' && parsed.name.startsWith('gpt2'));
}
