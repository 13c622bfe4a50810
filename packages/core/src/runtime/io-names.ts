// The ONNX graph input/output names of a decoder (Optimum's export layout).
// These strings exist only here; every other module imports them.
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const POSITION_IDS = 'position_ids';
export const LOGITS = 'logits';
/**
 * Scalar int64: logits only for the last k positions (0: all of them). The name transformers.js
 * looks for (it feeds 1 while generating), so graphs carrying it run in both engines.
 */
export const NUM_LOGITS_TO_KEEP = 'num_logits_to_keep';
/**
 * Bool (1): Optimum's merged decoder (onnx/decoder_model_merged.onnx) picks its branch with it,
 * false at the first step (no past), true once there is a cache.
 */
export const USE_CACHE_BRANCH = 'use_cache_branch';
export const pastKeyName = (layer: number) => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number) => `past_key_values.${layer}.value`;
export const presentKeyName = (layer: number) => `present.${layer}.key`;
export const presentValueName = (layer: number) => `present.${layer}.value`;
/** In-place KV graphs (forge only): this step's keys/values (B, H, S, hd), written by the caller into its buffer. */
export const freshKeyName = (layer: number) => `fresh.${layer}.key`;
export const freshValueName = (layer: number) => `fresh.${layer}.value`;
/** Residual stream after `blocks` blocks (0: embeddings), before the final norm: inferlab graphs only. */
export const hiddenStateName = (blocks: number) => `hidden_states.${blocks}`;
/** int8 KV cache (forge graphs only): float32 scales (B, H, T, 1) of the int8 keys/values (B, H, T, hd). */
export const pastKeyScaleName = (layer: number) => `past_key_values.${layer}.key_scale`;
export const pastValueScaleName = (layer: number) => `past_key_values.${layer}.value_scale`;
export const presentKeyScaleName = (layer: number) => `present.${layer}.key_scale`;
export const presentValueScaleName = (layer: number) => `present.${layer}.value_scale`;
/** In-place int8 KV graphs: the scales (B, H, S, 1) of this step's int8 keys/values fresh.{i}.key|value. */
export const freshKeyScaleName = (layer: number) => `fresh.${layer}.key_scale`;
export const freshValueScaleName = (layer: number) => `fresh.${layer}.value_scale`;
/** Layer segments (early exit): the residual stream (B, S, D) entering and leaving a segment. */
export const SEGMENT_HIDDEN_IN = 'hidden_in';
export const SEGMENT_HIDDEN_OUT = 'hidden_out';
