import type { Gpt2Spec } from '../forge-models.ts';

// Hugging Face GPT2LMHeadModel parameter names and shapes. The per-layer names are the forge
// names too (see gpt2-weights.ts); Conv1D weights are (in, out) in both. Only the token
// embedding differs: HF stores wte (vocab, n_embd), forge stores its transpose wte_t.

export const HF_PREFIX = 'transformer.';

export const HF_GPT2_NAMES = {
  wte: 'wte.weight',
  wpe: 'wpe.weight',
  lnFWeight: 'ln_f.weight',
  lnFBias: 'ln_f.bias',
};

/** Per-layer suffixes (under `h.{i}.`) with their shapes for a given width d. */
export function gpt2LayerShapes(d: number): Array<[suffix: string, dims: number[]]> {
  return [
    ['ln_1.weight', [d]],
    ['ln_1.bias', [d]],
    ['attn.c_attn.weight', [d, 3 * d]],
    ['attn.c_attn.bias', [3 * d]],
    ['attn.c_proj.weight', [d, d]],
    ['attn.c_proj.bias', [d]],
    ['ln_2.weight', [d]],
    ['ln_2.bias', [d]],
    ['mlp.c_fc.weight', [d, 4 * d]],
    ['mlp.c_fc.bias', [4 * d]],
    ['mlp.c_proj.weight', [4 * d, d]],
    ['mlp.c_proj.bias', [d]],
  ];
}

/** (rows, cols) → (cols, rows), row-major. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  }
  return out;
}

export type Gpt2Shape = Pick<Gpt2Spec, 'nLayer' | 'nHead' | 'nEmbd' | 'nPositions' | 'vocabSize'>;
