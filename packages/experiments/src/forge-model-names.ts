/**
 * The named forge models `forge:<name>` may use. Core builds each one (its FORGE_MODELS must have
 * exactly these keys: a type error otherwise); the api validates submissions against this list
 * without loading the inference library.
 */
export const FORGE_MODEL_NAMES = [
  'gpt2-tiny',
  'gpt2-mini',
  'gpt2-small',
  'gpt2-tiny-draft1',
  'gpt2-mini-draft1',
  'gpt2-small-draft2',
  'llama-tiny',
  'llama-mini',
] as const;

export type ForgeModelName = (typeof FORGE_MODEL_NAMES)[number];
