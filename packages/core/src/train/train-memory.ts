import type { ForgeSpec } from '../forge/forge-models.ts';
import { gpt2ParamCount } from '../forge/gpt2-weights.ts';
import { llamaParamCount } from '../forge/llama/llama-weights.ts';

// A float32 upper-bound estimate of one training step's memory, for refusing a job before it
// starts: weights, their gradients and AdamW's two moments (4 copies), the (B, S, V) logits with
// the loss's softmax and gradient of the same size (and the teacher's logits for KD), and per layer
// the activations the backward keeps: ~16 (B, S, D) tensors (norms, q/k/v, MLP at 4D or SwiGLU)
// plus 3 (B, H, S, S) attention maps (scores, probabilities, their gradient).

export function estimateTrainMemoryBytes(spec: ForgeSpec, batch: number, seq: number, kd = false): number {
  const params = spec.family === 'gpt2' ? gpt2ParamCount(spec) : llamaParamCount(spec);
  const d = spec.family === 'gpt2' ? spec.nEmbd : spec.hidden;
  const width = spec.family === 'gpt2' ? 4 * d : spec.intermediate;
  const heads = spec.nHead;
  const rows = batch * seq;
  const logits = rows * spec.vocabSize * (kd ? 6 : 4);
  const perLayer = rows * (12 * d + 2 * width) + 3 * batch * heads * seq * seq;
  return 4 * (4 * params + logits + spec.nLayer * perLayer);
}
