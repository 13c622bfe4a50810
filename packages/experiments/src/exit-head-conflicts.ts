import { EXIT_HEAD_STRATEGIES } from './decoding-schema.ts';
import { parseModelId } from './model-id.ts';

// Combinations the early-exit and self-speculative strategies cannot run, as matrix issues on the
// decoding entry: they run layer segments of an inferlab-built GPT-2 graph (forge gpt2-*, or a dir:
// folder imported from a checkpoint) with the KV cache, on our engine. Batch 1 is batchingConflicts'.

type MatrixLike = {
  models: readonly string[];
  variants: readonly { cache: boolean }[];
  engines: readonly string[];
  decoding: readonly { strategy: string }[];
};

export function exitHeadConflicts(m: MatrixLike): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const notGpt2 = m.models.filter((id) => {
    const parsed = parseModelId(id);
    return parsed === null || parsed.kind === 'hf' || (parsed.kind === 'forge' && !parsed.name.startsWith('gpt2'));
  });
  m.decoding.forEach((d, i) => {
    if (!EXIT_HEAD_STRATEGIES.includes(d.strategy)) return;
    const issue = (message: string) => out.push({ path: ['decoding', i, 'strategy'], message });
    if (m.variants.some((v) => !v.cache)) {
      issue(`${d.strategy} needs the KV cache; drop variants with cache: false or submit ${d.strategy} in another experiment`);
    }
    if (m.engines.includes('transformers.js')) {
      issue(`${d.strategy} runs on the inferlab engine only; drop "transformers.js" from engines`);
    }
    if (notGpt2.length > 0) {
      issue(
        `${d.strategy} needs an inferlab-built GPT-2 graph (forge gpt2-* or a dir: folder imported from a GPT-2 checkpoint), ` +
          `and models has ${notGpt2.join(', ')}; submit those without ${d.strategy}`,
      );
    }
  });
  return out;
}
