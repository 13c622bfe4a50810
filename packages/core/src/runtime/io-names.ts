// The ONNX graph input/output names of a decoder (Optimum's export layout).
// These strings exist only here; every other module imports them.
export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const POSITION_IDS = 'position_ids';
export const LOGITS = 'logits';
export const pastKeyName = (layer: number) => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number) => `past_key_values.${layer}.value`;
export const presentKeyName = (layer: number) => `present.${layer}.key`;
export const presentValueName = (layer: number) => `present.${layer}.value`;
/** Residual stream after `blocks` blocks (0: embeddings), before the final norm: inferlab graphs only. */
export const hiddenStateName = (blocks: number) => `hidden_states.${blocks}`;
