import type { Gpt2Spec } from './forge-models.ts';
import { Xoshiro128 } from './prng.ts';

// GPT-2 parameters with Hugging Face's initialization (GPT2PreTrainedModel._init_weights):
// Linear/Conv1D and embeddings N(0, 0.02²); residual output projections (attn.c_proj, mlp.c_proj)
// N(0, (0.02/√(2·n_layer))²); LayerNorm γ=1 β=0; biases 0. Conv1D weights are (in, out) as in HF.
// The token embedding is stored once, transposed: wte_t (n_embd, vocab), shared by the input
// Gather and the LM-head MatMul (tied weights).

const INIT_STD = 0.02;

export type Gpt2Weights = Map<string, { dims: number[]; data: Float32Array }>;

export const gpt2WeightNames = {
  wteT: 'wte_t',
  wpe: 'wpe',
  lnFWeight: 'ln_f.weight',
  lnFBias: 'ln_f.bias',
  layer: (i: number, name: string) => `h.${i}.${name}`,
};

type Init = { kind: 'normal'; std: number } | { kind: 'const'; value: number };

function layerParams(spec: Gpt2Spec): Array<[suffix: string, dims: number[], init: Init]> {
  const d = spec.nEmbd;
  const normal: Init = { kind: 'normal', std: INIT_STD };
  // A derived draft keeps its target's depth here, so its layers are the target's layers bit for bit.
  const depth = spec.derivedFrom?.nLayer ?? spec.nLayer;
  const residual: Init = { kind: 'normal', std: INIT_STD / Math.sqrt(2 * depth) };
  const zero: Init = { kind: 'const', value: 0 };
  const one: Init = { kind: 'const', value: 1 };
  return [
    ['ln_1.weight', [d], one],
    ['ln_1.bias', [d], zero],
    ['attn.c_attn.weight', [d, 3 * d], normal],
    ['attn.c_attn.bias', [3 * d], zero],
    ['attn.c_proj.weight', [d, d], residual],
    ['attn.c_proj.bias', [d], zero],
    ['ln_2.weight', [d], one],
    ['ln_2.bias', [d], zero],
    ['mlp.c_fc.weight', [d, 4 * d], normal],
    ['mlp.c_fc.bias', [4 * d], zero],
    ['mlp.c_proj.weight', [4 * d, d], residual],
    ['mlp.c_proj.bias', [d], zero],
  ];
}

/** Every parameter in a fixed order, each drawn from its own (seed, name) stream. */
export function gpt2Weights(spec: Gpt2Spec): Gpt2Weights {
  const params: Array<[string, number[], Init]> = [
    [gpt2WeightNames.wteT, [spec.nEmbd, spec.vocabSize], { kind: 'normal', std: INIT_STD }],
    [gpt2WeightNames.wpe, [spec.nPositions, spec.nEmbd], { kind: 'normal', std: INIT_STD }],
  ];
  for (let i = 0; i < spec.nLayer; i++) {
    for (const [suffix, dims, init] of layerParams(spec)) params.push([gpt2WeightNames.layer(i, suffix), dims, init]);
  }
  params.push([gpt2WeightNames.lnFWeight, [spec.nEmbd], { kind: 'const', value: 1 }]);
  params.push([gpt2WeightNames.lnFBias, [spec.nEmbd], { kind: 'const', value: 0 }]);

  const weights: Gpt2Weights = new Map();
  for (const [name, dims, init] of params) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (init.kind === 'normal') Xoshiro128.forTensor(spec.seed, name).fillNormal(data, init.std);
    else data.fill(init.value);
    weights.set(name, { dims, data });
  }
  return weights;
}

/** Number of parameters (tied embedding counted once), as HF's num_parameters() reports. */
export function gpt2ParamCount(spec: Gpt2Spec): number {
  const d = spec.nEmbd;
  const perLayer = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d);
  return spec.vocabSize * d + spec.nPositions * d + spec.nLayer * perLayer + 2 * d;
}
