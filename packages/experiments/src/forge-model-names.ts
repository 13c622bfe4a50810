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

/** Each forge model's decoder family (core's FORGE_MODELS says the same: a type error otherwise). */
export const FORGE_MODEL_FAMILIES = {
  'gpt2-tiny': 'gpt2',
  'gpt2-mini': 'gpt2',
  'gpt2-small': 'gpt2',
  'gpt2-tiny-draft1': 'gpt2',
  'gpt2-mini-draft1': 'gpt2',
  'gpt2-small-draft2': 'gpt2',
  'llama-tiny': 'llama',
  'llama-mini': 'llama',
} as const satisfies Record<ForgeModelName, 'gpt2' | 'llama'>;
