/** A parsed model id: `forge:<name>`, `hf:<org>/<name>[@<revision>]` or `dir:<path>`. */
export type ModelId =
  | { kind: 'forge'; name: string }
  /** revision: a branch, tag or commit the download is pinned to; null: the repo's default branch. */
  | { kind: 'hf'; org: string; name: string; revision: string | null }
  | { kind: 'dir'; path: string };

export const MODEL_ID_SYNTAX = 'forge:<name>, hf:<org>/<name>[@<revision>] or dir:<path>';

// The one syntax check: the api validates matrices with it and core's resolver parses with it, so the
// api never accepts an id a worker would reject.
const FORGE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const HF_REPO = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:@([\w.-]+(?:\/[\w.-]+)*))?$/;

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
    default:
      return null;
  }
}

/**
 * Whether the id can name an inferlab-built GPT-2 graph, which layer segments and exit heads need:
 * a forge gpt2-* model, or a dir: folder (imported from a GPT-2 checkpoint; the worker checks its family).
 */
export function mayBeInferlabGpt2(id: string): boolean {
  const parsed = parseModelId(id);
  return parsed !== null && (parsed.kind === 'dir' || (parsed.kind === 'forge' && parsed.name.startsWith('gpt2')));
}
