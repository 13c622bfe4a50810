import { attr, DataType, type GraphBuilder } from '../onnx/index.ts';

// The additive attention bias shared by all layers, as Hugging Face builds it: 0 where a query
// may attend, float32 min where it may not (min rather than -inf, so a fully masked row softmaxes
// to a uniform distribution instead of NaN).
//   query i sits at absolute position past_len + i and may see key j iff j ≤ past_len + i
//   (causal with the KV-cache offset) and attention_mask[b, j] == 1 (left padding).

export const MASK_MIN = -3.4028234663852886e38; // torch.finfo(torch.float32).min

/** Returns the name of the bias tensor, (batch, 1, seq, past + seq) float32. */
export function buildAttentionBias(g: GraphBuilder, inputIds: string, attentionMask: string): string {
  const zero = g.int64('zero', [0], []);
  const one = g.int64('one', [1], []);
  const seqLen = g.op('Gather', [g.op('Shape', [inputIds]), one], { axis: attr.int(0) }); // scalar S
  const totalLen = g.op('Gather', [g.op('Shape', [attentionMask]), one], { axis: attr.int(0) }); // scalar T
  const pastLen = g.op('Sub', [totalLen, seqLen]); // scalar P = T - S

  const queryPos = g.op('Range', [pastLen, totalLen, one]); // (S) absolute query positions
  const keyPos = g.op('Range', [zero, totalLen, one]); // (T)
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyPos, g.int64('axes0', [0])]), // (1, T)
    g.op('Unsqueeze', [queryPos, g.int64('axes1', [1])]), // (S, 1)
  ]); // (S, T) bool

  const padding = g.op('Unsqueeze', [
    g.op('Cast', [attentionMask], { to: attr.int(DataType.BOOL) }), // (B, T) bool
    g.int64('axes12', [1, 2]),
  ]); // (B, 1, 1, T)
  const allowed = g.op('And', [causal, padding]); // (B, 1, S, T)
  return g.op('Where', [allowed, g.float32('bias_keep', [0]), g.float32('bias_masked', [MASK_MIN])]);
}
