import { PermanentError } from '@inferlab/experiments';
/** A parsed model id: `forge:<name>`, `hf:<org>/<name>` or `dir:<path>`. */
export type ModelId = { kind: 'forge'; name: string } | { kind: 'hf'; repo: string } | { kind: 'dir'; path: string };

export class InvalidModelIdError extends PermanentError {
  override name = 'InvalidModelIdError';
}

const HF_REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export function parseModelId(id: string): ModelId {
  const colon = id.indexOf(':');
  const scheme = colon < 0 ? '' : id.slice(0, colon);
  const rest = colon < 0 ? '' : id.slice(colon + 1);
  switch (scheme) {
    case 'forge':
      if (!/^[a-z0-9][a-z0-9-]*$/.test(rest))
        throw new InvalidModelIdError(`"${id}": a forge name is lowercase letters, digits and dashes (e.g. forge:gpt2-tiny)`);
      return { kind: 'forge', name: rest };
    case 'hf':
      if (!HF_REPO.test(rest) || rest.includes('..'))
        throw new InvalidModelIdError(`"${id}": expected hf:<org>/<name> (e.g. hf:Xenova/gpt2)`);
      return { kind: 'hf', repo: rest };
    case 'dir':
      if (rest.length === 0) throw new InvalidModelIdError(`"${id}": expected dir:<path to an HF-layout folder>`);
      return { kind: 'dir', path: rest };
    default:
      throw new InvalidModelIdError(
        `"${id}": a model id starts with forge:, hf: or dir: (e.g. forge:gpt2-tiny, hf:Xenova/gpt2, dir:/models/my-gpt2)`,
      );
  }
}
