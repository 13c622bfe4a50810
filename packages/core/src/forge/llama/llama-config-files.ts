import { GPT2_EOS_ID } from '../gpt2-tokenizer-files.ts';
import type { LlamaSpec } from './llama-spec.ts';

// config.json with Hugging Face LlamaConfig fields, so transformers (Python), transformers.js and
// readDecoderConfig all read the folder as a Llama causal LM. Forge llama models use GPT-2's
// tokenizer, so bos/eos are GPT-2's <|endoftext|>.

export function llamaConfig(name: string, spec: LlamaSpec): Record<string, unknown> {
  return {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0,
    bos_token_id: GPT2_EOS_ID,
    eos_token_id: GPT2_EOS_ID,
    head_dim: spec.headDim,
    hidden_act: 'silu',
    hidden_size: spec.hidden,
    initializer_range: 0.02,
    intermediate_size: spec.intermediate,
    max_position_embeddings: spec.maxPositions,
    mlp_bias: false,
    num_attention_heads: spec.nHead,
    num_hidden_layers: spec.nLayer,
    num_key_value_heads: spec.nKvHead,
    pretraining_tp: 1,
    rms_norm_eps: spec.rmsNormEps,
    rope_scaling: null,
    rope_theta: spec.ropeTheta,
    tie_word_embeddings: spec.tieWordEmbeddings,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: spec.vocabSize,
    inferlab: { forge: name, seed: spec.seed, weights: 'llama-init-irwin-hall-4' },
  };
}

export function llamaGenerationConfig(): Record<string, unknown> {
  return { _from_model_config: true, bos_token_id: GPT2_EOS_ID, eos_token_id: GPT2_EOS_ID };
}
