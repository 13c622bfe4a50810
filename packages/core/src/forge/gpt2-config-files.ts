import type { Gpt2Spec } from './forge-models.ts';
import { GPT2_EOS_ID } from './gpt2-tokenizer-files.ts';

// config.json and generation_config.json with Hugging Face GPT2Config fields, so transformers
// (Python) and transformers.js both recognise the folder as a GPT-2 causal LM.

export function gpt2Config(name: string, spec: Gpt2Spec): Record<string, unknown> {
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    activation_function: 'gelu_new',
    attn_pdrop: 0.1,
    bos_token_id: GPT2_EOS_ID,
    embd_pdrop: 0.1,
    eos_token_id: GPT2_EOS_ID,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    n_ctx: spec.nPositions,
    n_embd: spec.nEmbd,
    n_head: spec.nHead,
    n_inner: null,
    n_layer: spec.nLayer,
    n_positions: spec.nPositions,
    resid_pdrop: 0.1,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: spec.vocabSize,
    inferlab: {
      forge: name,
      seed: spec.seed,
      weights: 'gpt2-init-irwin-hall-4',
      ...(spec.derivedFrom ? { derivedFrom: spec.derivedFrom } : {}),
    },
  };
}

export function gpt2GenerationConfig(): Record<string, unknown> {
  return { _from_model_config: true, bos_token_id: GPT2_EOS_ID, eos_token_id: GPT2_EOS_ID };
}
